package dev.eventshop.broker.admin;

import dev.eventshop.broker.protocol.ApiHandler;
import dev.eventshop.broker.protocol.RequestContext;
import dev.eventshop.broker.protocol.VersionedApiHandler;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.errors.SecurityDisabledException;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.AbstractRequest;

/**
 * The ACL APIs ({@code kafka-acls.sh}, {@code Admin.describeAcls/createAcls/deleteAcls}) answered
 * as Kafka answers them without an authorizer ({@code authorizer.class.name} unset, its default):
 * SECURITY_DISABLED, with Kafka's words ("No Authorizer is configured on the broker" for a
 * describe, "No Authorizer is configured." for each ACL or filter of a create or delete).
 * mini-broker authorizes nothing, so this is the truth, and tools say so instead of "The node does
 * not support DESCRIBE_ACLS".
 */
public final class NoAuthorizerHandler extends VersionedApiHandler<AbstractRequest> {

  private final ApiKeys key;

  /** Every version of {@code key} the client library knows. */
  private NoAuthorizerHandler(ApiKeys key) {
    super(key, key.oldestVersion(), key.latestVersion());
    this.key = key;
  }

  /** DescribeAcls, CreateAcls and DeleteAcls, every version the client library knows. */
  static List<ApiHandler<?>> all() {
    return List.of(
        new NoAuthorizerHandler(ApiKeys.DESCRIBE_ACLS),
        new NoAuthorizerHandler(ApiKeys.CREATE_ACLS),
        new NoAuthorizerHandler(ApiKeys.DELETE_ACLS));
  }

  @Override
  public CompletionStage<ApiMessage> handle(RequestContext context, AbstractRequest request) {
    String message =
        key == ApiKeys.DESCRIBE_ACLS
            ? "No Authorizer is configured on the broker"
            : "No Authorizer is configured.";
    return CompletableFuture.completedFuture(
        request.getErrorResponse(0, new SecurityDisabledException(message)).data());
  }
}
