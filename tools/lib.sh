# Shared by tools/run and tools/test: installs the pinned tools into .tools/ and starts and
# stops the local stack (a DynamoDB endpoint and `cargo lambda watch`).
# shellcheck shell=bash

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS="$ROOT/.tools"
RUNTIME="$ROOT/.local"
export PATH="$TOOLS/venv/bin:$TOOLS/node/node_modules/.bin:$PATH"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
export SAM_CLI_TELEMETRY=0

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Installs Python tools (cargo-lambda, zig, SAM CLI, cfn-lint, boto3) and dynalite at the
# versions the lock files pin. Reruns only when a lock file changed.
bootstrap() {
  command -v python3 >/dev/null || die "python3 is required"
  command -v npm >/dev/null || die "Node.js (npm) is required"
  command -v cargo >/dev/null || die "Rust (cargo) is required"
  local want stamp="$TOOLS/.installed"
  want=$(cat "$ROOT/tools/requirements.lock" "$ROOT/tools/package-lock.json" | sha256sum | cut -c1-16)
  if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then
    return
  fi
  log "installing pinned tools into .tools/ (once per version change)"
  rm -rf "$TOOLS"
  mkdir -p "$TOOLS/node"
  python3 -m venv "$TOOLS/venv"
  "$TOOLS/venv/bin/pip" install --quiet --disable-pip-version-check -r "$ROOT/tools/requirements.lock"
  cp "$ROOT/tools/package.json" "$ROOT/tools/package-lock.json" "$TOOLS/node/"
  (cd "$TOOLS/node" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" > "$stamp"
}

# Builds every function exactly as `sam build` does (`cargo lambda build --release --arm64`),
# in one cargo run so the binaries link two at a time, then lets `sam build` package them
# (it finds them up to date).
sam_build() {
  export SAM_CLI_TELEMETRY=0
  rustup target add aarch64-unknown-linux-gnu >/dev/null
  local bins=() function
  while read -r function; do bins+=(--bin "$function"); done < <(python3 "$ROOT/tools/functions.py")
  (cd "$ROOT" && cargo lambda build --release --arm64 "${bins[@]}")
  (cd "$ROOT" && sam build)
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until something answers HTTP on $1, or fails after $2 seconds.
wait_http() {
  local url=$1 seconds=$2
  for _ in $(seq $((seconds * 5))); do
    if curl -s -o /dev/null --max-time 2 "$url"; then return 0; fi
    sleep 0.2
  done
  return 1
}

# Each service runs in its own session, so stopping it stops everything it started (cargo
# lambda watch starts one process per function instance, each in its own process group).
SESSIONS=()

start_service() {
  local log=$1; shift
  setsid "$@" > "$log" 2>&1 &
  SESSIONS+=($!)
}

stop_all() {
  local sid
  for sid in "${SESSIONS[@]}"; do
    pkill -TERM -s "$sid" 2>/dev/null || true
  done
  for sid in "${SESSIONS[@]}"; do
    for _ in $(seq 50); do pgrep -s "$sid" >/dev/null || break; sleep 0.1; done
    pkill -KILL -s "$sid" 2>/dev/null || true
  done
  SESSIONS=()
}

# The local AWS settings: any region and dummy credentials satisfy a local endpoint.
local_aws_env() {
  export AWS_REGION="${AWS_REGION:-us-east-1}"
  export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-local}"
  export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-local}"
}

# Starts dynalite on port $1, unless AWS_ENDPOINT_URL_DYNAMODB already names an endpoint
# (DynamoDB Local, say), which is then used as it is.
start_dynamodb() {
  local port=$1
  local_aws_env
  if [[ -n ${AWS_ENDPOINT_URL_DYNAMODB:-} ]]; then
    log "using the DynamoDB endpoint $AWS_ENDPOINT_URL_DYNAMODB"
    return
  fi
  mkdir -p "$RUNTIME"
  start_service "$RUNTIME/dynalite.log" \
    dynalite --host 127.0.0.1 --port "$port" --createTableMs 0 --deleteTableMs 0 --updateTableMs 0
  export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$port"
  wait_http "$AWS_ENDPOINT_URL_DYNAMODB" 30 || die "dynalite did not start; see .local/dynalite.log"
  log "dynalite (DynamoDB API) at $AWS_ENDPOINT_URL_DYNAMODB"
}

# Creates the tables under $TABLE_PREFIX and loads the demo seed file.
create_and_seed() {
  "$ROOT/target/debug/inventory-admin" create-tables >/dev/null
  "$ROOT/target/debug/inventory-admin" seed "$ROOT/tests/fixtures/demo.json"
}

# Starts `cargo lambda watch` on port $1 with extra flags; every route of Cargo.toml's
# router is served at the same path as on API Gateway.
start_api() {
  local port=$1; shift
  mkdir -p "$RUNTIME"
  cd "$ROOT"
  start_service "$RUNTIME/api.log" \
    cargo lambda watch --invoke-address 127.0.0.1 --invoke-port "$port" "$@"
  export INVENTORY_API_URL="http://127.0.0.1:$port"
  # Tests read the functions' log (request ids in, keys out).
  export INVENTORY_API_LOG="$RUNTIME/api.log"
  wait_http "$INVENTORY_API_URL" 120 || die "cargo lambda watch did not start; see .local/api.log"
  # Each function compiles on its first invocation: do that now, not inside a test.
  local method path function
  while read -r method path function; do
    path=${path//\{*\}/warm-up}
    curl -s -o /dev/null --max-time 300 -X "$method" "$INVENTORY_API_URL$path" \
      || die "$function did not answer; see .local/api.log"
  done < <(python3 "$ROOT/tools/routes.py")
  log "API at $INVENTORY_API_URL (log: .local/api.log)"
}
