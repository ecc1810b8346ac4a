package dev.eventshop.order.orders;

import dev.eventshop.order.orders.OrderViews.LineView;
import dev.eventshop.order.orders.OrderViews.OrderDetails;
import dev.eventshop.order.orders.OrderViews.OrderPage;
import dev.eventshop.order.orders.OrderViews.OrderSummary;
import dev.eventshop.order.orders.OrderViews.TimelineEntry;
import dev.eventshop.support.durability.GroupCommit;
import dev.eventshop.support.inbox.Inbox;
import dev.eventshop.support.kafka.RecordedEvent;
import dev.eventshop.support.outbox.Outbox;
import dev.eventshop.support.pruning.EventHistory;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import jakarta.persistence.criteria.Predicate;
import jakarta.validation.Valid;
import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.data.domain.Page;
import org.springframework.data.domain.PageRequest;
import org.springframework.data.domain.Sort;
import org.springframework.data.jpa.domain.Specification;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/** The shop's front door: place orders and follow them through the saga. */
@RestController
class OrderController {

  private final OrderPlacement placement;
  private final OrderRepository orders;
  private final Outbox outbox;
  private final Inbox inbox;
  private final ObjectProvider<EventHistory> history;
  private final GroupCommit groupCommit;

  OrderController(
      OrderPlacement placement,
      OrderRepository orders,
      Outbox outbox,
      Inbox inbox,
      ObjectProvider<EventHistory> history,
      GroupCommit groupCommit) {
    this.placement = placement;
    this.orders = orders;
    this.outbox = outbox;
    this.inbox = inbox;
    this.history = history;
    this.groupCommit = groupCommit;
  }

  @Operation(
      summary = "Place an order",
      description =
          "Prices the order, stores it as PENDING and emits OrderPlaced. Answers 202: the saga"
              + " completes asynchronously; follow it at the Location. The same Idempotency-Key"
              + " always answers with the same order.")
  @PostMapping("/orders")
  ResponseEntity<OrderDetails> place(
      @Valid @RequestBody PlaceOrderRequest request,
      @Parameter(description = "Client-chosen key; a retry with the same key places no new order")
          @RequestHeader(name = "Idempotency-Key", required = false)
          String idempotencyKey) {
    if (idempotencyKey != null && (idempotencyKey.isBlank() || idempotencyKey.length() > 128)) {
      throw new InvalidRequestException("Idempotency-Key", "must be 1 to 128 characters");
    }
    Order order =
        placement
            .placedWith(idempotencyKey)
            .orElseGet(
                () -> {
                  try {
                    return placement.place(request, idempotencyKey);
                  } catch (DataIntegrityViolationException raced) {
                    // A concurrent request with the same key won; answer with its order.
                    return placement.placedWith(idempotencyKey).orElseThrow(() -> raced);
                  }
                });
    // The order id goes out only once the order survives a crash of this service.
    groupCommit.awaitDurable();
    return ResponseEntity.status(HttpStatus.ACCEPTED)
        .location(URI.create("/orders/" + order.getId()))
        .body(details(order));
  }

  @Operation(summary = "An order: its status and the timeline of its events in Kafka")
  @GetMapping("/orders/{id}")
  @Transactional(readOnly = true)
  OrderDetails one(@PathVariable UUID id) {
    return orders
        .findById(id)
        .map(this::details)
        .orElseThrow(() -> new ResponseStatusException(HttpStatus.NOT_FOUND, "no order " + id));
  }

  @Operation(summary = "Orders, newest first, optionally of one customer and in one status")
  @GetMapping("/orders")
  @Transactional(readOnly = true)
  OrderPage list(
      @RequestParam(required = false) String customerId,
      @RequestParam(required = false) OrderStatus status,
      @RequestParam(defaultValue = "0") int page,
      @RequestParam(defaultValue = "20") int size) {
    if (page < 0) {
      throw new InvalidRequestException("page", "must be 0 or more");
    }
    if (size < 1 || size > 100) {
      throw new InvalidRequestException("size", "must be between 1 and 100");
    }
    Specification<Order> filter =
        (root, query, cb) -> {
          List<Predicate> where = new ArrayList<>();
          if (customerId != null) {
            where.add(cb.equal(root.get("customerId"), customerId));
          }
          if (status != null) {
            where.add(cb.equal(root.get("status"), status));
          }
          return cb.and(where.toArray(Predicate[]::new));
        };
    Page<Order> found =
        orders.findAll(
            filter, PageRequest.of(page, size, Sort.by(Sort.Direction.DESC, "createdAt")));
    return new OrderPage(
        found.map(OrderSummary::of).getContent(),
        page,
        size,
        found.getTotalElements(),
        found.getTotalPages());
  }

  private OrderDetails details(Order order) {
    String id = order.getId().toString();
    List<TimelineEntry> timeline =
        // Pruned events are in the history; the newer ones still in the outbox and inbox.
        Stream.of(
                history.stream().flatMap(h -> h.eventsOf(id).stream()),
                outbox.eventsOf(id).stream(),
                inbox.eventsOf(id).stream())
            .flatMap(events -> events)
            .sorted(Comparator.comparing(RecordedEvent::occurredAt))
            .map(TimelineEntry::of)
            .toList();
    return new OrderDetails(
        order.getId(),
        order.getCustomerId(),
        order.getStatus(),
        order.getReason(),
        order.getTotal(),
        order.getLines().stream()
            .map(l -> new LineView(l.sku(), l.quantity(), l.unitPrice()))
            .toList(),
        order.getCreatedAt(),
        order.getUpdatedAt(),
        timeline);
  }
}
