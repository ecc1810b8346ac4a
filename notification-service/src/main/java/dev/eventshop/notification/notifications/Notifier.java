package dev.eventshop.notification.notifications;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Tells customers how their orders ended. "Sending" is a stored notification and one readable log
 * line; a real shop would send an e-mail here.
 */
@Service
class Notifier {

  private static final Logger log = LoggerFactory.getLogger(Notifier.class);

  private final NotificationRepository notifications;

  Notifier(NotificationRepository notifications) {
    this.notifications = notifications;
  }

  @Transactional
  public void send(Notification notification) {
    notifications.save(notification);
    log.info("notified {}: {}", notification.getCustomerId(), notification.getMessage());
  }
}
