# lib/fake_provider.sh - sourced by the usage-API end-to-end scripts
# (providers*.sh) once they have $dir and fail(): the fake provider
# (tests/e2e/fake_provider.py) listening in $dir ($server its pid, $port its
# port), the keys it takes (OpenAI's in $dir/openai.key, Anthropic's in
# $ANT_KEY), the time its answers are of ($NOW), and
#   provider_config AN_TIMEOUT [TOML]: $dir/config.toml with two sources
#       on it, "oa" (OpenAI, project proj_a named acme, timeout 1s) and
#       "an" (Anthropic, timeout AN_TIMEOUT), then TOML;
#   script JSON: what the fake answers next (fake_provider.py's script).
python3 tests/e2e/fake_provider.py "$dir" &
server=$!
i=0
until [ -s "$dir/port" ]; do
    i=$((i + 1)); [ $i -lt 100 ] || fail "the fake provider did not start"; sleep 0.1
done
port=$(cat "$dir/port")
printf 'sk-admin-good\n' > "$dir/openai.key"
chmod 600 "$dir/openai.key"
export ANT_KEY=sk-ant-admin-good
NOW=2026-11-20T12:30:00Z

provider_config() {
    cat > "$dir/config.toml" <<TOML
[[source]]
name = "oa"
type = "openai"
api_key_file = "$dir/openai.key"
base_url = "http://127.0.0.1:$port/v1"
timeout = "1s"
[source.tenant_names]
proj_a = "acme"

[[source]]
name = "an"
type = "anthropic"
api_key_env = "ANT_KEY"
base_url = "http://127.0.0.1:$port"
timeout = "$1"
${2:-}
TOML
}
script() { printf '%s' "$1" > "$dir/script.json"; }
