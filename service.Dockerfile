# The image of each of the four shop services, built from source with the Maven wrapper:
#   docker build -f service.Dockerfile --build-arg SERVICE=order-service --build-arg PORT=8081 \
#     -t eventshop/order-service .
# docker-compose.yml builds all four this way (build.args). SERVICE is the module (its jar is
# <module>/target/<module>.jar, the jar ./shop runs); PORT is its HTTP port (server.port).
FROM maven:3.9-eclipse-temurin-17 AS build
ARG SERVICE
RUN test -n "${SERVICE}" || { echo "build with --build-arg SERVICE=<module>" >&2; exit 1; }
WORKDIR /src
COPY . .
RUN ./mvnw -B -q -pl "${SERVICE}" -am package -DskipTests -Dspotless.check.skip=true

FROM eclipse-temurin:17-jre
ARG SERVICE
ARG PORT
RUN test -n "${PORT}" || { echo "build with --build-arg PORT=<server.port>" >&2; exit 1; } \
 && useradd --system --uid 1001 --home-dir /var/lib/${SERVICE} shop \
 && mkdir -p /var/lib/${SERVICE} /opt/shop \
 && chown shop /var/lib/${SERVICE}
COPY --from=build /src/${SERVICE}/target/${SERVICE}.jar /opt/shop/service.jar
USER shop
LABEL org.opencontainers.image.title=${SERVICE}
# Every Spring property can be set as an environment variable (SPRING_KAFKA_BOOTSTRAP_SERVERS, ...).
# The H2 database lives in SHOP_DATA_DIR. The health check (docker-compose.yml) uses bash's
# /dev/tcp: bash is in this Ubuntu-based JRE image, curl and wget are not.
ENV SERVER_PORT=${PORT} \
    SHOP_DATA_DIR=/var/lib/${SERVICE} \
    JAVA_OPTS="-Xmx256m -XX:+UseSerialGC"
VOLUME /var/lib/${SERVICE}
EXPOSE ${PORT}
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /opt/shop/service.jar"]
