package dev.eventshop.notification.notifications;

import java.util.List;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;

interface NotificationRepository extends JpaRepository<Notification, UUID> {

  List<Notification> findByOrderIdOrderByCreatedAt(UUID orderId);

  List<Notification> findTop100ByOrderByCreatedAtDesc();
}
