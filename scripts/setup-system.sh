#!/usr/bin/env bash
# Installs the system tools the test suite needs and this project cannot ship as npm packages:
# redis-server (BullMQ tests), ffmpeg/ffprobe (native codec backend, independent checks) and
# chromium (preview browser test), openssl (throwaway TLS certificates in tests). Idempotent: installs only what is missing. Needs root (or sudo).
set -euo pipefail
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
command -v ffprobe >/dev/null 2>&1 || need+=(ffmpeg)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
if [ ${#need[@]} -eq 0 ]; then
  echo "setup-system: redis-server, ffmpeg, chromium and openssl are present"
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "setup-system: installing ${need[*]} from Debian"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
echo "setup-system: done"
