package dev.eventshop.broker.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventshop.broker.metadata.MetadataCommand.CreateTopic;
import dev.eventshop.broker.metadata.MetadataCommand.InitCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;

/**
 * A voter's applied metadata answering an observer's fetches, and the observer following them: the
 * observer must reach the voter's state whichever way the answer comes (commands or a snapshot).
 */
class AppliedMetadataTest {

  final AppliedMetadata voter = new AppliedMetadata("", 3);
  final AppliedMetadata observer = new AppliedMetadata("", 0);
  long index;

  void log(MetadataCommand command) {
    index++;
    voter.apply(1, index, command, MetadataCodec.encode(command));
  }

  static CreateTopic topic(String name) {
    return new CreateTopic(name, Uuid.randomUuid(), 1, (short) 1, Map.of(), 0, 0);
  }

  @Test
  void anObserverFollowingTheRecentCommandsReachesTheVotersState() {
    log(new InitCluster("cid"));
    log(Registrations.register(1, "h1", 9091));
    voter.setLeader(1);

    AppliedMetadata.Changes changes = voter.changesAfter(observer.appliedIndex());
    assertThat(changes.snapshot()).isNull();
    assertThat(changes.commands())
        .extracting(AppliedMetadata.LoggedCommand::index)
        .containsExactly(1L, 2L);
    observer.follow(changes);
    assertThat(observer.state()).isEqualTo(voter.state());
    assertThat(observer.state().controllerId()).isEqualTo(1);

    log(topic("t"));
    voter.advance(2, ++index); // a new leader's first entry: no command
    changes = voter.changesAfter(observer.appliedIndex());
    assertThat(changes.commands())
        .extracting(AppliedMetadata.LoggedCommand::index)
        .containsExactly(3L);
    assertThat(changes.toIndex()).isEqualTo(4);
    observer.follow(changes);
    assertThat(observer.appliedIndex()).isEqualTo(4);
    assertThat(observer.state()).isEqualTo(voter.state());
    assertThat(observer.state().topic("t")).isPresent();
  }

  @Test
  void anObserverBehindTheKeptCommandsGetsTheWholeState() {
    log(new InitCluster("cid"));
    log(Registrations.register(1, "h1", 9091));
    log(topic("a"));
    log(topic("b")); // the voter keeps three: the first command is gone
    AppliedMetadata.Changes changes = voter.changesAfter(observer.appliedIndex());
    assertThat(changes.snapshot()).isEqualTo(voter.state());
    assertThat(changes.toIndex()).isEqualTo(4);
    observer.follow(changes);
    assertThat(observer.state()).isEqualTo(voter.state());
    assertThat(observer.appliedIndex()).isEqualTo(4);

    // Caught up again: the commands from here on.
    log(topic("c"));
    changes = voter.changesAfter(observer.appliedIndex());
    assertThat(changes.snapshot()).isNull();
    observer.follow(changes);
    assertThat(observer.state()).isEqualTo(voter.state());
  }

  @Test
  void aVoterThatLoadedASnapshotAnswersWithTheWholeStateForWhatCameBefore() {
    log(new InitCluster("cid"));
    log(Registrations.register(1, "h1", 9091));
    index = 10;
    voter.load(voter.state(), 1, index);
    assertThat(voter.changesAfter(1).snapshot()).isNotNull();
    assertThat(voter.changesAfter(10).commands()).isEmpty();
    log(topic("t"));
    AppliedMetadata.Changes changes = voter.changesAfter(10);
    assertThat(changes.snapshot()).isNull();
    assertThat(changes.commands())
        .extracting(AppliedMetadata.LoggedCommand::index)
        .containsExactly(11L);
  }

  @Test
  void aFetchWithNothingNewIsHeldOpenUntilTheNextCommand() throws Exception {
    log(new InitCluster("cid"));
    CompletableFuture<AppliedMetadata.Changes> waiting =
        voter.awaitChangesAfter(voter.appliedIndex(), Duration.ofSeconds(5));
    assertThat(waiting).isNotDone();
    log(Registrations.register(1, "h1", 9091));
    AppliedMetadata.Changes changes = waiting.get(1, TimeUnit.SECONDS);
    assertThat(changes.commands())
        .extracting(AppliedMetadata.LoggedCommand::index)
        .containsExactly(2L);

    AppliedMetadata.Changes nothing =
        voter
            .awaitChangesAfter(voter.appliedIndex(), Duration.ofMillis(50))
            .get(2, TimeUnit.SECONDS);
    assertThat(nothing.commands()).isEmpty();
    assertThat(nothing.snapshot()).isNull();
    assertThat(nothing.toIndex()).isEqualTo(voter.appliedIndex());
  }

  @Test
  void fetchesThatTimedOutAreNotKeptWhileNothingChanges() throws Exception {
    log(new InitCluster("cid"));
    for (int i = 0; i < 100; i++) {
      voter.awaitChangesAfter(voter.appliedIndex(), Duration.ZERO).get(2, TimeUnit.SECONDS);
    }
    assertThat(voter.waitingCount()).isEqualTo(1);
  }

  @Test
  void anObserverPublishesOnlyOnceCaughtUpAndShowsTheLeaderAsController() {
    List<ClusterMetadata> published = new ArrayList<>();
    observer.addListener(published::add);
    log(new InitCluster("cid"));
    log(Registrations.register(1, "h1", 9091));
    voter.setLeader(2);
    observer.follow(voter.changesAfter(observer.appliedIndex()));
    assertThat(published).isEmpty();
    observer.markCaughtUp();
    assertThat(published).hasSize(1);
    assertThat(published.get(0).controllerId()).isEqualTo(2);
    assertThat(published.get(0).brokers()).containsKey(1);
  }

  @Test
  void waitersFailWhenClosed() {
    CompletableFuture<Void> waiter = observer.awaitApplied(5);
    observer.close(new IllegalStateException("closed"));
    assertThat(waiter).isCompletedExceptionally();
  }
}
