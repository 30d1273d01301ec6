#!/usr/bin/env bash
# Cluster tier: the real Pulumi engine (scripts/pulumi-toolchain.sh) deploys both stacks, with their
# real stack files, the policy pack and policy/config/<env>.json, to the local control plane of
# scripts/cluster.sh (a real kube-apiserver v1.37 with PodSecurity admission; kwok plays the kubelets
# of 3 nodes in 3 zones). Per stack: rollout with the provider's own await logic, zone spread, PodSecurity
# admission, least privilege, CRD objects, no drift (preview/refresh --expect-no-changes, a second
# and a third `up` through the pack), a rolling update that never drops Ready pods, PDB evictions,
# and destroy. Also: the privileged variant is blocked and creates nothing, examples/worker-stack
# deploys beside the service with the pack as a package, and the synthesized production objects
# apply with `kubectl apply --server-side --validate=strict`. Last, the API server's PodSecurity admission
# judges Kubernetes' own PSA fixtures and the pack must agree (scripts/tiers/pss-apiserver.ts).
#
# Usage: bash scripts/tiers/test-cluster.sh [stack...]     (default: staging production)
# Uses a running cluster (`npm run cluster -- up`) or starts one and stops it at the end.
# Prints "SKIPPED: ..." and exits 0 when the toolchain or the cluster binaries are missing.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/tiers/lib/engine.sh
source scripts/tiers/lib/engine.sh
engine_setup cluster "$@"
T_TIER=$(date +%s)

CLUSTER=(bash "$ROOT/scripts/cluster.sh")
STARTED_CLUSTER=false
cleanup() {
  [ "$STARTED_CLUSTER" = true ] && [ -z "${KEEP_CLUSTER:-}" ] && "${CLUSTER[@]}" down >/dev/null 2>&1
  [ -n "${KEEP_CLUSTER_WORKDIR:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
if ! "${CLUSTER[@]}" status >/dev/null 2>&1; then
  t0=$(date +%s)
  if ! "${CLUSTER[@]}" up > "$WORK/cluster-up.log" 2>&1; then
    if grep -q 'BUDGET EXHAUSTED' "$WORK/cluster-up.log"; then
      echo "SKIPPED: cluster tests: the control-plane build did not finish ($(grep -m1 'BUDGET' "$WORK/cluster-up.log"))"; exit 0
    fi
    echo "FAIL: cluster up"; show "$WORK/cluster-up.log" 30; exit 1
  fi
  STARTED_CLUSTER=true
  echo "cluster: started a local control plane in $(( $(date +%s) - t0 ))s ($(grep -m1 'cluster up in' "$WORK/cluster-up.log" | sed 's/^cluster: //'))"
else
  echo "cluster: reusing the running local control plane"
fi
eval "$("${CLUSTER[@]}" env)"
echo "cluster: $(kubectl version -o json | node -e 'const v=JSON.parse(require("fs").readFileSync(0,"utf8")); console.log(`kubectl ${v.clientVersion.gitVersion}, server ${v.serverVersion.gitVersion}`)')"
# node itself (not npx): the watcher must get the SIGTERM that ends it.
CHECKS=(node -r "$ROOT/node_modules/ts-node/register/transpile-only" "$ROOT/scripts/tiers/lib/cluster-checks.ts")

# The image: the digest the image tier built (`npm run image -- build`), else a placeholder digest.
# kwok runs no containers, so either way nothing is pulled; the live pod spec must carry it.
IMAGE_REF="registry.example.com/websvc/app@sha256:$(printf 'cluster-test' | sha256sum | cut -d' ' -f1)"
IMAGE_FILE="${XDG_CACHE_HOME:-$HOME/.cache}/websvc/image/IMAGE"
if [ -s "$IMAGE_FILE" ] && grep -Eq '@sha256:[0-9a-f]{64}$' "$IMAGE_FILE"; then
  IMAGE_REF="$(cat "$IMAGE_FILE")"; echo "cluster: deploying the image tier's build $IMAGE_REF"
else
  echo "cluster: no image built by the image tier ($IMAGE_FILE); deploying the placeholder $IMAGE_REF"
fi

# ---------------------------------------------------------------- helpers on live objects
k() { kubectl "$@"; }
# The app's pods, Deployment, HPA and PDB are found by the labels the Workload sets.
selector_of() { echo "app.kubernetes.io/name=websvc,app.kubernetes.io/instance=$1"; }
only_name() { # namespace kind selector: the single object's name
  k -n "$1" get "$2" -l "$3" -o jsonpath='{.items[*].metadata.name}'
}
# Waits until the Deployment has the HPA's minReplicas, all Ready and available (the HPA scales up from
# the API default of 1 replica, since spec.replicas is omitted under an HPA).
wait_scaled() { # ns selector seconds
  local ns="$1" sel="$2" until=$(( $(date +%s) + $3 )) min dep status
  min="$(k -n "$ns" get hpa -l "$sel" -o jsonpath='{.items[0].spec.minReplicas}')"
  dep="$(only_name "$ns" deployment "$sel")"
  while [ "$(date +%s)" -lt "$until" ]; do
    status="$(k -n "$ns" get deployment "$dep" -o jsonpath='{.spec.replicas} {.status.readyReplicas} {.status.availableReplicas} {.status.updatedReplicas}')"
    [ "$status" = "$min $min $min $min" ] && { echo "$min"; return 0; }
    sleep 0.5
  done
  echo "timeout: spec/ready/available/updated = $status, HPA minReplicas $min" >&2
  return 1
}
sar_allowed() { # user namespace verb resource [group]: the API server's SubjectAccessReview verdict
  k create -o jsonpath='{.status.allowed}' -f - <<SAR
{"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
 "spec": {"user": "$1", "groups": ["system:serviceaccounts", "system:serviceaccounts:$2", "system:authenticated"],
          "resourceAttributes": {"namespace": "$2", "verb": "$3", "resource": "$4", "group": "${5:-}"}}}
SAR
}
evict() { # namespace pod: prints the API's answer (kubectl exits non-zero on 429)
  k create --raw "/api/v1/namespaces/$1/pods/$2/eviction" -f - 2>&1 <<EVICTION
{"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "$2", "namespace": "$1"}}
EVICTION
}
set_pod_ready() { # namespace pod True|False: what kwok reports for a running pod's readiness
  k -n "$1" patch pod "$2" --subresource status --type strategic \
    -p "{\"status\": {\"conditions\": [{\"type\": \"Ready\", \"status\": \"$3\"}, {\"type\": \"ContainersReady\", \"status\": \"$3\"}]}}" >/dev/null
}
pdb_allowed() { k -n "$1" get pdb -l "$2" -o jsonpath='{.items[0].status.disruptionsAllowed}'; }
wait_pdb_allowed() { # ns sel want seconds
  local until=$(( $(date +%s) + $4 ))
  while [ "$(date +%s)" -lt "$until" ]; do [ "$(pdb_allowed "$1" "$2")" = "$3" ] && return 0; sleep 0.3; done
  return 1
}
# `pulumi preview --json` steps for one resource type: their operations, e.g. "update".
ops_of() { # preview-json type
  node -e 'const p = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    console.log((p.steps || []).filter((s) => (s.newState || s.oldState || {}).type === process.argv[2]).map((s) => s.op).join(" "))' "$1" "$2"
}
no_mandatory() { ! grep -q 'mandatory' "$1"; }

# ---------------------------------------------------------------- one stack of the real program
stack_cycle() {
  local s="$1" dir="$WORK/program-$s" logs="$WORK/logs-$s"
  mkdir -p "$logs"
  echo "stack $s:"
  program_copy "$dir" || { fail "$s: program copy"; return; }
  local env_name ns sel P POL
  env_name="$(stack_environment "$s" "$dir")"; ns="websvc-$env_name"; sel="$(selector_of "$ns")"
  P=(pulumi -C "$dir" --non-interactive)
  POL=(--policy-pack "$POLICY" --policy-pack-config "$POLICY/config/$env_name.json")
  local sets=("image={\"ref\": \"$IMAGE_REF\"}")
  if [ "$HAS_RANDOM_PROVIDER" != true ]; then
    skip "$s: AppSecrets (RandomPassword/RandomBytes into a Secret) on the cluster: no pulumi-resource-random can be built here (the Go module proxy refuses github.com/pulumi/pulumi-random/provider/v4, see docs/ENGINE.md); the stack runs with websvc:appSecrets=[]"
    sets+=("appSecrets=[]")
  fi
  stack_config "$s" "$dir" "${sets[@]}" || { fail "$s: could not write the stack config"; return; }
  (cd "$dir" && pulumi stack init "$s" >/dev/null) || { fail "$s: stack init"; return; }
  # A real secret through the engine into a Kubernetes Secret: the alert receiver URL.
  pulumi -C "$dir" config set --secret alertWebhookUrl "https://hooks.example.com/services/$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')" >/dev/null
  cli_required_config "$s" "$dir" || return

  # Rollout: the provider's own await logic (no skipAwait), then the HPA's minimum, all Ready.
  local t0 t_up; t0=$(date +%s)
  if run "$logs/up1.log" "${P[@]}" up --yes "${POL[@]}" && no_mandatory "$logs/up1.log"; then
    t_up=$(( $(date +%s) - t0 ))
    local n; if n="$(wait_scaled "$ns" "$sel" 120 2>"$logs/scale.err")"; then
      pass "$s: rollout: \`pulumi up\` in ${t_up}s ($(grep -Eo '[0-9]+ created' "$logs/up1.log" | head -1)); Deployment Available with $n/$n pods Ready after $(( $(date +%s) - t0 ))s (HPA minReplicas $n)"
    else
      fail "$s: rollout: the Deployment did not reach the HPA minimum: $(cat "$logs/scale.err")"
    fi
  else
    fail "$s: pulumi up"; show "$logs/up1.log" 40; return
  fi
  local dep; dep="$(only_name "$ns" deployment "$sel")"

  # Spread across the 3 zones, as the real scheduler placed the pods.
  run "$logs/spread.log" "${CHECKS[@]}" spread "$ns" "$sel" \
    && pass "$s: spread: $(cat "$logs/spread.log")" || { fail "$s: spread: $(cat "$logs/spread.log")"; }

  # The live pod spec carries the deployed image digest.
  local images; images="$(k -n "$ns" get pods -l "$sel" -o jsonpath='{range .items[*]}{.spec.containers[0].image}{"\n"}{end}' | sort -u)"
  [ "$images" = "$IMAGE_REF" ] && pass "$s: live pods run $IMAGE_REF" || fail "$s: live pod images: $images (want $IMAGE_REF)"

  # Admission: the namespace's restricted labels admitted the stack's pods; a privileged pod is refused
  # by the API server's PodSecurity admission (independent of the pack).
  local labels; labels="$(k get ns "$ns" -o jsonpath='{.metadata.labels.pod-security\.kubernetes\.io/enforce} {.metadata.labels.pod-security\.kubernetes\.io/enforce-version}')"
  if run "$logs/privileged.log" k -n "$ns" create --dry-run=server -f "$ROOT/scripts/fixtures/privileged-pod.yaml"; then
    fail "$s: admission: a privileged pod was admitted in $ns ($labels)"
  elif grep -q 'violates PodSecurity "restricted' "$logs/privileged.log"; then
    pass "$s: admission: namespace enforce=$labels admitted the stack's pods and refused a privileged pod: $(grep -o 'violates PodSecurity[^:]*' "$logs/privileged.log" | head -1)"
  else
    fail "$s: admission: the privileged pod was refused, but not by PodSecurity"; show "$logs/privileged.log"
  fi

  # Least privilege: no token volume in live pods; the ServiceAccount can neither read Secrets nor list pods.
  local sa tokens; sa="$(k -n "$ns" get deployment "$dep" -o jsonpath='{.spec.template.spec.serviceAccountName}')"
  tokens="$(k -n "$ns" get pods -l "$sel" -o jsonpath='{range .items[*]}{range .spec.volumes[*]}{.projected.sources[*].serviceAccountToken.path}{" "}{end}{end}' | tr -s ' ')"
  [ -z "${tokens// /}" ] && pass "$s: least privilege: no service-account token volume in the live pods (ServiceAccount $sa)" \
    || fail "$s: least privilege: live pods mount a service-account token ($tokens)"
  local user="system:serviceaccount:$ns:$sa" get_secrets list_pods
  get_secrets="$(sar_allowed "$user" "$ns" get secrets)"; list_pods="$(sar_allowed "$user" "$ns" list pods)"
  [ "$get_secrets" = false ] && [ "$list_pods" = false ] \
    && pass "$s: least privilege: SubjectAccessReview for $user: get secrets=$get_secrets, list pods=$list_pods" \
    || fail "$s: least privilege: SubjectAccessReview for $user: get secrets=$get_secrets, list pods=$list_pods"

  # CRD objects accepted by the real CRD schemas (prometheus-operator v0.85.0).
  local crds; crds="$(k -n "$ns" get servicemonitors.monitoring.coreos.com,prometheusrules.monitoring.coreos.com,alertmanagerconfigs.monitoring.coreos.com -o name 2>&1 | sed 's#\.monitoring\.coreos\.com##' | tr '\n' ' ')"
  if echo "$crds" | grep -q servicemonitor/ && echo "$crds" | grep -q prometheusrule/; then
    pass "$s: CRD objects live: $crds"
  else
    fail "$s: CRD objects: $crds"
  fi

  # No drift: preview and refresh expect no changes, and a second and a third `up` pass the pack
  # (stack policies now see live state: server defaults, HPA-owned replicas, status).
  run "$logs/preview2.log" "${P[@]}" preview --expect-no-changes "${POL[@]}" && no_mandatory "$logs/preview2.log" \
    && pass "$s: no drift: preview --expect-no-changes with the pack: $(grep -Eo '[0-9]+ unchanged' "$logs/preview2.log" | head -1)" \
    || { fail "$s: no drift: preview shows changes or the pack blocks it"; show "$logs/preview2.log" 40; }
  run "$logs/refresh.log" "${P[@]}" refresh --yes --expect-no-changes \
    && pass "$s: no drift: refresh --expect-no-changes: $(grep -Eo '[0-9]+ unchanged' "$logs/refresh.log" | head -1)" \
    || { fail "$s: no drift: refresh found changes"; show "$logs/refresh.log" 40; }
  local i; for i in 2 3; do
    run "$logs/up$i.log" "${P[@]}" up --yes --expect-no-changes "${POL[@]}" && no_mandatory "$logs/up$i.log" \
      && pass "$s: up #$i passes the pack on live state, no changes" \
      || { fail "$s: up #$i"; show "$logs/up$i.log" 40; }
  done

  # Rolling update: a pod-template change (an appSettings value) rolls out through a new ReplicaSet,
  # as an update (not a replace) of the Deployment, and Ready pods never drop below the desired count.
  local desired rs_before settings
  desired="$(k -n "$ns" get deployment "$dep" -o jsonpath='{.spec.replicas}')"
  rs_before="$(k -n "$ns" get rs -l "$sel" -o name | sort)"
  settings="$(pulumi -C "$dir" config get appSettings 2>/dev/null || echo '{}')"
  settings="$(node -e 'const s = JSON.parse(process.argv[1] || "{}"); s.APP_FEATURE_FLAGS = "rolling-update-check"; console.log(JSON.stringify(s))' "$settings")"
  stack_config "$s" "$dir" "appSettings=$settings"
  "${P[@]}" preview --json "${POL[@]}" > "$logs/preview-roll.json" 2>"$logs/preview-roll.err"
  local dep_ops; dep_ops="$(ops_of "$logs/preview-roll.json" kubernetes:apps/v1:Deployment)"
  "${CHECKS[@]}" watch-ready "$ns" "$sel" "$desired" > "$logs/watch.log" 2>&1 &
  local watcher=$!
  sleep 2 # the watch's initial list
  if run "$logs/up-roll.log" "${P[@]}" up --yes "${POL[@]}" && wait_scaled "$ns" "$sel" 120 >/dev/null 2>"$logs/scale.err"; then
    kill -TERM "$watcher"; wait "$watcher"; local watch_rc=$?
    local rs_after new_rs; rs_after="$(k -n "$ns" get rs -l "$sel" -o name | sort)"
    new_rs="$(comm -13 <(echo "$rs_before") <(echo "$rs_after") | tr '\n' ' ')"
    if [ "$dep_ops" = update ] && [ -n "${new_rs// /}" ] && [ $watch_rc -eq 0 ]; then
      pass "$s: rolling update: Deployment op \"$dep_ops\", new $new_rs; $(cat "$logs/watch.log")"
    else
      fail "$s: rolling update: Deployment op \"$dep_ops\" (want update), new ReplicaSet \"$new_rs\"; $(cat "$logs/watch.log")"
    fi
  else
    kill -TERM "$watcher" 2>/dev/null; fail "$s: rolling update: up failed"; show "$logs/up-roll.log" 40
  fi

  # PDB (maxUnavailable 1): with one pod unhealthy the budget is spent, so evicting a healthy pod is
  # refused with 429; once it is healthy again one eviction is allowed. kwok leaves a running pod's
  # readiness as patched, which makes the unhealthy pod deterministic.
  local pods victim healthy ans
  pods=($(k -n "$ns" get pods -l "$sel" --field-selector status.phase=Running -o jsonpath='{.items[*].metadata.name}'))
  victim="${pods[0]}"; healthy="${pods[1]}"
  set_pod_ready "$ns" "$victim" False
  if wait_pdb_allowed "$ns" "$sel" 0 30; then
    ans="$(evict "$ns" "$healthy")"
    if echo "$ans" | grep -q 'TooManyRequests\|429'; then
      set_pod_ready "$ns" "$victim" True
      if wait_pdb_allowed "$ns" "$sel" 1 30; then
        local ans2; ans2="$(evict "$ns" "$healthy")"
        if echo "$ans2" | grep -q '"Success"\|^$' || ! k -n "$ns" get pod "$healthy" -o jsonpath='{.metadata.deletionTimestamp}' | grep -q '^$'; then
          pass "$s: PDB: eviction beyond the budget refused ($(echo "$ans" | grep -o 'TooManyRequests[^:]*\|Cannot evict[^.]*' | head -1)); one within the budget allowed"
        else
          fail "$s: PDB: an eviction within the budget was refused: $ans2"
        fi
      else
        fail "$s: PDB: disruptionsAllowed did not return to 1"
      fi
    else
      set_pod_ready "$ns" "$victim" True
      fail "$s: PDB: an eviction beyond the budget was not refused: $ans"
    fi
  else
    set_pod_ready "$ns" "$victim" True
    fail "$s: PDB: disruptionsAllowed did not drop to 0 with one unhealthy pod (now $(pdb_allowed "$ns" "$sel"))"
  fi
  wait_scaled "$ns" "$sel" 120 >/dev/null 2>&1

  [ "$s" = staging ] && staging_variants "$s" "$dir" "$logs" "$ns" "$sel"

  # Destroy: nothing of the stack is left; the namespace is gone.
  if run "$logs/destroy.log" "${P[@]}" destroy --yes; then
    local until=$(( $(date +%s) + 90 ))
    while k get ns "$ns" >/dev/null 2>&1 && [ "$(date +%s)" -lt "$until" ]; do sleep 0.5; done
    if k get ns "$ns" >/dev/null 2>&1; then
      fail "$s: destroy: namespace $ns still exists ($(k get ns "$ns" -o jsonpath='{.status.phase}'))"
    else
      local left; left="$(k get all,cm,secret,sa,role,rolebinding,networkpolicy,pdb,hpa,ingress -A -l "app.kubernetes.io/instance=$ns" -o name 2>/dev/null | wc -l)"
      [ "$left" -eq 0 ] && pass "$s: destroy: namespace $ns and every object of the stack gone" || fail "$s: destroy left $left objects"
    fi
  else
    fail "$s: destroy"; show "$logs/destroy.log" 40
  fi
}

# Staging also proves what only config changes show: rbacRules grant exactly what they say, and
# gateway mode's HTTPRoute is accepted by the real Gateway API CRD (CEL rules included).
staging_variants() { # stack dir logs ns selector
  local s="$1" dir="$2" logs="$3" ns="$4" sel="$5" env_name P POL
  env_name="$(stack_environment "$s" "$dir")"
  P=(pulumi -C "$dir" --non-interactive)
  POL=(--policy-pack "$POLICY" --policy-pack-config "$POLICY/config/$env_name.json")
  local dep sa user
  dep="$(only_name "$ns" deployment "$sel")"
  sa="$(k -n "$ns" get deployment "$dep" -o jsonpath='{.spec.template.spec.serviceAccountName}')"; user="system:serviceaccount:$ns:$sa"
  stack_config "$s" "$dir" 'rbacRules=[{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"]}]'
  if run "$logs/up-rbac.log" "${P[@]}" up --yes "${POL[@]}"; then
    local got="" v r
    for v in "get configmaps" "list configmaps" "watch configmaps" "get secrets" "list pods"; do
      got+="$v=$(sar_allowed "$user" "$ns" $v) "
    done
    [ "$got" = "get configmaps=true list configmaps=true watch configmaps=false get secrets=false list pods=false " ] \
      && pass "$s: rbacRules [get,list configmaps]: SubjectAccessReview $got" || fail "$s: rbacRules: SubjectAccessReview $got"
  else
    fail "$s: up with rbacRules"; show "$logs/up-rbac.log" 30
  fi
  stack_config "$s" "$dir" 'rbacRules=[]'

  local ingress; ingress="$(pulumi -C "$dir" config get ingress)"
  ingress="$(node -e 'const i = JSON.parse(process.argv[1]); i.mode = "gateway"; i.gateway = {name: "public", namespace: "gateway-system", sectionName: "https"}; console.log(JSON.stringify(i))' "$ingress")"
  stack_config "$s" "$dir" "ingress=$ingress"
  if run "$logs/up-gateway.log" "${P[@]}" up --yes "${POL[@]}"; then
    local route; route="$(k -n "$ns" get httproutes.gateway.networking.k8s.io -o name | tr '\n' ' ')"
    [ -n "$route" ] && ! k -n "$ns" get ingress -o name | grep -q . \
      && pass "$s: gateway mode: $route accepted by the Gateway API v1.4.1 CRD (the Ingress was removed)" \
      || fail "$s: gateway mode: HTTPRoute \"$route\", Ingress $(k -n "$ns" get ingress -o name)"
  else
    fail "$s: up in gateway mode"; show "$logs/up-gateway.log" 30
  fi
}

# ---------------------------------------------------------------- the privileged variant: blocked, creates nothing
bad_variant() {
  local dir="$WORK/bad" logf="$WORK/bad-up.log"
  cp -r "$ROOT/scripts/fixtures/bad-stack" "$dir"
  ln -s "$ROOT/node_modules" "$dir/node_modules"
  (cd "$dir" && pulumi stack init bad >/dev/null) || { fail "bad variant: stack init"; return; }
  if run "$logf" pulumi -C "$dir" --non-interactive up --yes --policy-pack "$POLICY"; then
    fail "bad variant: \`pulumi up\` of a privileged root Pod passed the pack"; show "$logf"
  elif grep -q 'mandatory' "$logf" && grep -qi 'privileged' "$logf"; then
    local left; left="$(k get ns engine-check -o name 2>/dev/null; k get pods,networkpolicies -A -o name 2>/dev/null | grep -c 'root-pod\|engine-check-deny-all')"
    [ "$left" = 0 ] && pass "bad variant: \`pulumi up\` BLOCKED by the pack ($(grep -c 'mandatory' "$logf") mandatory violation lines); nothing created in the cluster" \
      || fail "bad variant: blocked, but objects exist in the cluster: $left"
  else
    fail "bad variant: up failed, but not with a mandatory violation"; show "$logf"
  fi
}

# ---------------------------------------------------------------- a second consumer beside the service
worker_stack() {
  local src="$ROOT/examples/worker-stack" dir="$WORK/worker-stack" logs="$WORK/logs-worker"
  mkdir -p "$logs"
  if [ ! -d "$src/node_modules/@websvc/k8s-policy-pack" ]; then
    skip "worker-stack: not installed (run \`npm run test:example\` first: it installs the pack as a package)"; return
  fi
  tar -C "$src" --exclude=./node_modules -cf - . | tar -C "$dir" -xf - 2>/dev/null || { mkdir -p "$dir"; tar -C "$src" --exclude=./node_modules -cf - . | tar -C "$dir" -xf -; }
  ln -s "$src/node_modules" "$dir/node_modules"
  "${EDIT[@]}" runtime-options "$dir/Pulumi.yaml" "$HOST_FLAGS" >/dev/null
  local pack="$dir/node_modules/@websvc/k8s-policy-pack" P=(pulumi -C "$dir" --non-interactive)
  (cd "$dir" && pulumi stack init staging >/dev/null) || { fail "worker-stack: stack init"; return; }
  if run "$logs/up.log" "${P[@]}" up --yes --policy-pack "$pack" --policy-pack-config "$pack/config/staging.json" && no_mandatory "$logs/up.log"; then
    local ns; ns="$(sed -n 's/^ *worker-stack:namespace: *//p' "$dir/Pulumi.staging.yaml")"
    k -n "$ns" rollout status deployment/queue-worker --timeout 60s > "$logs/rollout.log" 2>&1 \
      && k -n "$ns" get cronjob -o name | grep -q . \
      && pass "worker-stack: deployed beside the service with the pack as a package ($(grep -Eo '[0-9]+ created' "$logs/up.log" | head -1); queue-worker rolled out, CronJob live)" \
      || { fail "worker-stack: objects not live"; show "$logs/rollout.log"; }
    run "$logs/destroy.log" "${P[@]}" destroy --yes && pass "worker-stack: destroyed" || fail "worker-stack: destroy"
  else
    fail "worker-stack: up with the pack"; show "$logs/up.log" 40
  fi
}

# ---------------------------------------------------------------- plain kubectl, as anyone would
kubectl_apply_synth() {
  local out="$WORK/synth-production" logs="$WORK/logs-kubectl" ns=websvc-production
  mkdir -p "$logs"
  if ! run "$logs/synth.log" npm run --silent synth -- --stack production --out "$out" --no-policy --set 'appSecrets=[]'; then
    fail "kubectl apply: synth failed"; show "$logs/synth.log"; return
  fi
  rm -f "$out/resources.json" "$out/outputs.json"
  # The namespace first: every other object lives in it.
  if run "$logs/apply.log" sh -c "kubectl apply --server-side --validate=strict -f '$out'/namespace_*.yaml && kubectl apply --server-side --validate=strict -f '$out'"; then
    local n; if n="$(wait_scaled "$ns" "$(selector_of "$ns")" 120 2>"$logs/scale.err")"; then
      local spread; spread="$("${CHECKS[@]}" spread "$ns" "$(selector_of "$ns")")"
      pass "kubectl apply --server-side --validate=strict of the synthesized production objects ($(grep -c 'serverside-applied' "$logs/apply.log") applied): Deployment Available, $spread"
    else
      fail "kubectl apply: Deployment not Available: $(cat "$logs/scale.err")"
    fi
  else
    fail "kubectl apply --server-side --validate=strict refused the synthesized objects"; show "$logs/apply.log"
  fi
  k delete ns "$ns" --wait=true --timeout 90s >/dev/null 2>&1
}

# ---------------------------------------------------------------- the API server as a PSS oracle
# Kubernetes' own pod-security-admission fixtures and the defaulting fixtures, server-side dry-run in
# namespaces labelled per level and version; the pack's verdicts must agree (scripts/fixtures/pss-oracle).
pss_admission_oracle() {
  local logf="$WORK/pss-apiserver.log"
  if run "$logf" npm run --silent test:pss-apiserver -- --deadline-seconds 600; then
    pass "PSS oracle: $(grep -m1 'agrees with the apiserver' "$logf" | sed 's/^apiserver-compare: //'); $(grep -m1 'dry-run creates' "$logf" | sed 's/^apiserver-compare: //')"
  else
    fail "PSS oracle: the pack and the API server's PodSecurity admission disagree, or the comparison failed"; show "$logf" 30
  fi
}

echo "bad variant:"
bad_variant
for s in "${STACKS[@]}"; do stack_cycle "$s"; done
echo "reuse:"
worker_stack
echo "plain kubectl:"
kubectl_apply_synth
echo "admission as an oracle:"
pss_admission_oracle

# ---------------------------------------------------------------- the cluster's own lifecycle
# When this tier started the cluster: a second `up` reuses it, and `down` stops exactly its processes.
cluster_lifecycle() {
  local env_now out err pids pid left=""
  env_now="$("${CLUSTER[@]}" env 2>/dev/null)"
  out="$("${CLUSTER[@]}" up 2>"$WORK/up2.err")"
  if [ "$out" = "$env_now" ] && grep -q 'reusing the running cluster' "$WORK/up2.err"; then
    pass "cluster: a second \`up\` reuses the running cluster ($(sed 's/^cluster: //' "$WORK/up2.err" | head -1 | cut -c1-100))"
  else
    fail "cluster: a second \`up\` did not reuse the running cluster"; show "$WORK/up2.err"
  fi
  local run_dir; run_dir="$(dirname "$KUBECONFIG")"
  pids="$(sed -n 's/^PID_[a-z-]*=//p' "$run_dir/state.env" | tr '\n' ' ')"
  if "${CLUSTER[@]}" down > "$WORK/down.log" 2>&1; then
    for pid in $pids; do [ -d "/proc/$pid" ] && left+=" $pid"; done
    [ -z "$left" ] && [ ! -e "$run_dir" ] && ! "${CLUSTER[@]}" status >/dev/null 2>&1 \
      && pass "cluster: \`down\` stopped its $(echo $pids | wc -w) processes and removed $run_dir" \
      || fail "cluster: after \`down\`: processes left:${left:- none}; $run_dir $( [ -e "$run_dir" ] && echo exists || echo removed)"
  else
    fail "cluster: down"; show "$WORK/down.log"
  fi
  STARTED_CLUSTER=false
}
if [ "$STARTED_CLUSTER" = true ] && [ -z "${KEEP_CLUSTER:-}" ]; then
  echo "cluster lifecycle:"
  cluster_lifecycle
fi

echo "cluster: tier took $(( $(date +%s) - T_TIER ))s"
tier_summary cluster
