package dev.eventshop.broker.admin;

import dev.eventshop.broker.metadata.ClientQuotas;
import dev.eventshop.broker.metadata.ClientQuotas.FilterComponent;
import dev.eventshop.broker.metadata.MetadataStore;
import dev.eventshop.broker.protocol.RequestContext;
import dev.eventshop.broker.protocol.VersionedApiHandler;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.DescribeClientQuotasResponseData;
import org.apache.kafka.common.message.DescribeClientQuotasResponseData.EntityData;
import org.apache.kafka.common.message.DescribeClientQuotasResponseData.EntryData;
import org.apache.kafka.common.message.DescribeClientQuotasResponseData.ValueData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.DescribeClientQuotasRequest;

/**
 * DescribeClientQuotas ({@code kafka-configs.sh --describe --entity-type users|clients}, {@code
 * Admin.describeClientQuotas}): the quotas of the entities a filter matches, from the replicated
 * metadata ({@link ClientQuotas#describe}). Versions 0-1.
 */
public final class DescribeClientQuotasHandler
    extends VersionedApiHandler<DescribeClientQuotasRequest> {

  private final MetadataStore metadata;

  public DescribeClientQuotasHandler(MetadataStore metadata) {
    super(ApiKeys.DESCRIBE_CLIENT_QUOTAS, 0, 1);
    this.metadata = metadata;
  }

  @Override
  public CompletionStage<ApiMessage> handle(
      RequestContext context, DescribeClientQuotasRequest request) {
    DescribeClientQuotasResponseData response = new DescribeClientQuotasResponseData();
    List<FilterComponent> filter =
        request.data().components().stream()
            .map(c -> new FilterComponent(c.entityType(), c.matchType(), c.match()))
            .toList();
    Map<ClientQuotas.Entity, Map<String, Double>> matching;
    try {
      matching = metadata.current().clientQuotas().describe(filter, request.data().strict());
    } catch (RuntimeException e) {
      ApiError error = ApiError.fromThrowable(e);
      return CompletableFuture.completedFuture(
          response
              .setErrorCode(error.error().code())
              .setErrorMessage(error.message())
              .setEntries(null));
    }
    response.setErrorCode(Errors.NONE.code());
    matching.forEach(
        (entity, values) -> {
          EntryData entry = new EntryData();
          entity
              .parts()
              .forEach(
                  (type, name) ->
                      entry.entity().add(new EntityData().setEntityType(type).setEntityName(name)));
          values.forEach(
              (key, value) -> entry.values().add(new ValueData().setKey(key).setValue(value)));
          response.entries().add(entry);
        });
    return CompletableFuture.completedFuture(response);
  }
}
