package dev.eventshop.broker.admin;

import dev.eventshop.broker.metadata.ClientQuotas;
import dev.eventshop.broker.metadata.MetadataStore;
import dev.eventshop.broker.protocol.RequestContext;
import dev.eventshop.broker.protocol.VersionedApiHandler;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.AlterClientQuotasRequestData.OpData;
import org.apache.kafka.common.message.AlterClientQuotasResponseData;
import org.apache.kafka.common.message.AlterClientQuotasResponseData.EntityData;
import org.apache.kafka.common.message.AlterClientQuotasResponseData.EntryData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AlterClientQuotasRequest;
import org.apache.kafka.common.requests.ApiError;

/**
 * AlterClientQuotas ({@code kafka-configs.sh --alter --entity-type users|clients --add-config
 * producer_byte_rate=...}, {@code Admin.alterClientQuotas}): sets or removes quotas per entity
 * through the metadata quorum. Each entity is checked on its own, with Kafka's rules and messages
 * ({@link ClientQuotas#whyNot}); {@code validate_only} checks without changing. Versions 0-1.
 */
public final class AlterClientQuotasHandler extends VersionedApiHandler<AlterClientQuotasRequest> {

  private final MetadataStore metadata;

  public AlterClientQuotasHandler(MetadataStore metadata) {
    super(ApiKeys.ALTER_CLIENT_QUOTAS, 0, 1);
    this.metadata = metadata;
  }

  @Override
  public CompletionStage<ApiMessage> handle(
      RequestContext context, AlterClientQuotasRequest request) {
    Map<ClientQuotas.Entity, ApiError> outcome = new LinkedHashMap<>();
    Map<ClientQuotas.Entity, Map<String, Double>> alterations = new LinkedHashMap<>();
    for (org.apache.kafka.common.message.AlterClientQuotasRequestData.EntryData entry :
        request.data().entries()) {
      Map<String, String> parts = new HashMap<>();
      String duplicateType = null;
      for (var part : entry.entity()) {
        if (parts.containsKey(part.entityType())) {
          duplicateType = part.entityType();
        }
        parts.put(part.entityType(), part.entityName());
      }
      ClientQuotas.Entity entity = new ClientQuotas.Entity(new TreeMap<>(parts));
      if (outcome.containsKey(entity) || alterations.containsKey(entity)) {
        alterations.remove(entity);
        outcome.put(entity, invalid("Ignoring duplicate entity " + entity));
        continue;
      }
      if (duplicateType != null) {
        outcome.put(
            entity,
            invalid("Invalid client quota entity, duplicate entity entry " + duplicateType));
        continue;
      }
      Map<String, Double> ops = new TreeMap<>();
      String duplicateKey = null;
      for (OpData op : entry.ops()) {
        if (ops.containsKey(op.key())) {
          duplicateKey = op.key();
        }
        ops.put(op.key(), op.remove() ? null : op.value());
      }
      if (duplicateKey != null) {
        outcome.put(
            entity,
            invalid(
                "Duplicate quota key %s not updating quota for this entity %s"
                    .formatted(duplicateKey, entity)));
        continue;
      }
      alterations.put(entity, ops);
    }
    if (!alterations.isEmpty()) {
      try {
        outcome.putAll(metadata.alterClientQuotas(alterations, request.data().validateOnly()));
      } catch (RuntimeException e) {
        ApiError error = ApiError.fromThrowable(e);
        alterations.keySet().forEach(entity -> outcome.put(entity, error));
      }
    }
    AlterClientQuotasResponseData response = new AlterClientQuotasResponseData();
    outcome.forEach(
        (entity, error) -> {
          EntryData entry =
              new EntryData()
                  .setErrorCode(error.error().code())
                  .setErrorMessage(error.isSuccess() ? null : error.message());
          entity
              .parts()
              .forEach(
                  (type, name) ->
                      entry.entity().add(new EntityData().setEntityType(type).setEntityName(name)));
          response.entries().add(entry);
        });
    return CompletableFuture.completedFuture(response);
  }

  private static ApiError invalid(String message) {
    return new ApiError(Errors.INVALID_REQUEST, message);
  }
}
