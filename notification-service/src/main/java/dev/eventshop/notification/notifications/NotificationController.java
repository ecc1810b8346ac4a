package dev.eventshop.notification.notifications;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The notifications sent: those of one order, or the newest hundred. */
@RestController
class NotificationController {

  record NotificationView(
      UUID id, UUID orderId, String customerId, String kind, String message, Instant createdAt) {

    static NotificationView of(Notification n) {
      return new NotificationView(
          n.getId(),
          n.getOrderId(),
          n.getCustomerId(),
          n.getKind().name(),
          n.getMessage(),
          n.getCreatedAt());
    }
  }

  private final NotificationRepository notifications;

  NotificationController(NotificationRepository notifications) {
    this.notifications = notifications;
  }

  @GetMapping("/notifications")
  @Transactional(readOnly = true)
  List<NotificationView> list(@RequestParam(required = false) UUID orderId) {
    List<Notification> found =
        orderId == null
            ? notifications.findTop100ByOrderByCreatedAtDesc()
            : notifications.findByOrderIdOrderByCreatedAt(orderId);
    return found.stream().map(NotificationView::of).toList();
  }
}
