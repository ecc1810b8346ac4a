package dev.eventshop.order.orders;

import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.util.List;

/** The body of {@code POST /orders}. */
record PlaceOrderRequest(
    @Schema(example = "alice") @NotBlank @Size(max = 64) String customerId,
    @NotEmpty @Size(max = 50) List<@Valid @NotNull Line> items) {

  record Line(
      @Schema(example = "BOOK-KAFKA") @NotBlank @Size(max = 64) String sku,
      @Schema(example = "1") @NotNull @Min(1) @Max(1000) Integer quantity) {}
}
