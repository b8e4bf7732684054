# SPDX-License-Identifier: MIT
#
# Images for both daemons, built from the same source in one build stage.
#
#   docker build --target registrator -t registrator .
#   docker build --target templater   -t templater .
#   docker build --target templater-nginx -t templater-nginx .
#
# The runtime stages hold only the shared libraries the daemons link
# against (libcurl, cJSON, c-ares, inih) and the CA bundle.  Nothing here
# needs a registry beyond Debian's packages: tests build the base image
# offline with debootstrap (tests/regress/image_build.sh).

FROM debian:bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev make cmake \
	pkg-config libcurl4-openssl-dev libcjson-dev libc-ares-dev libinih-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY lib lib
COPY registrator registrator
COPY templater templater
COPY tests tests
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release \
 && cmake --build build -j2 --target registrator templater \
 && strip build/registrator/registrator build/templater/templater

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends libcurl4 libcjson1 \
	libc-ares2 libinih1 ca-certificates \
 && rm -rf /var/lib/apt/lists/*

# The registrator reads the Docker socket.  It runs as an unprivileged
# user; give it the socket's group at run time:
#   docker run --group-add "$(stat -c %g /var/run/docker.sock)" ...
# Mount the socket's directory (-v /var/run:/var/run:ro... see README),
# not the socket file, so that a restarted dockerd's new socket is seen.
FROM runtime AS registrator
RUN useradd --system --uid 10001 --no-create-home registrator
COPY --from=build /src/build/registrator/registrator /usr/local/bin/registrator
COPY registrator.ini /etc/registrator/registrator.ini
USER 10001
ENTRYPOINT ["/usr/local/bin/registrator"]

# The templater alone: render files into a volume another container uses.
FROM runtime AS templater
RUN useradd --system --uid 10002 --no-create-home templater
COPY --from=build /src/build/templater/templater /usr/local/bin/templater
COPY templates /usr/share/templater/templates
USER 10002
ENTRYPOINT ["/usr/local/bin/templater"]

# The templater next to nginx: the same image runs nginx (one container)
# and the templater (a second one sharing nginx's PID namespace and its
# conf.d volume), so `nginx -t` can validate a candidate before it is
# swapped in and `nginx -s reload` reaches the running master.
FROM runtime AS templater-nginx
RUN apt-get update \
 && apt-get install -y --no-install-recommends nginx-light \
 && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/default
COPY --from=build /src/build/templater/templater /usr/local/bin/templater
COPY templates /usr/share/templater/templates
ENTRYPOINT ["/usr/local/bin/templater"]
