// pss-oracle evaluates pods with the real k8s.io/pod-security-admission library so the
// TypeScript policy pack's Pod Security Standards verdicts can be compared against it.
//
// Input (stdin): one JSON object per line:
//
//	{"id": "...", "level": "baseline"|"restricted", "version": "1.30"|"latest", "metadata": {...}, "spec": {...}}
//
// Output (stdout): one JSON object per line, same order:
//
//	{"id": "...", "allowed": true|false, "failing": ["checkID", ...]}
//
// Each pod is first defaulted with Kubernetes' own v1 defaulting (SetObjectDefaults_Pod from
// k8s.io/kubernetes/pkg/apis/core/v1), as the API server does before admission: PodSecurity
// judges the stored object, and some defaults change verdicts (a volume without a source becomes
// emptyDir; with hostNetwork, containerPort is copied into hostPort).
//
// "failing" lists the check IDs that reject the pod at that level and version; at the
// restricted level a baseline check replaced by a restricted one (OverrideCheckIDs) is not run,
// exactly as the library's own registry does.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sort"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sv1 "k8s.io/kubernetes/pkg/apis/core/v1"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
)

type request struct {
	ID       string            `json:"id"`
	Level    string            `json:"level"`
	Version  string            `json:"version"`
	Metadata metav1.ObjectMeta `json:"metadata"`
	Spec     corev1.PodSpec    `json:"spec"`
}

type response struct {
	ID      string   `json:"id"`
	Allowed bool     `json:"allowed"`
	Failing []string `json:"failing"`
	Error   string   `json:"error,omitempty"`
}

// activeVersion is the variant of a check that applies at version v (newest MinimumVersion <= v).
func activeVersion(c policy.Check, v api.Version) *policy.VersionedCheck {
	var found *policy.VersionedCheck
	for i := range c.Versions {
		if !v.Older(c.Versions[i].MinimumVersion) {
			found = &c.Versions[i]
		}
	}
	return found
}

func main() {
	checks := policy.DefaultChecks()
	evaluator, err := policy.NewEvaluator(checks, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	for in.Scan() {
		var req request
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			_ = enc.Encode(response{Error: err.Error()})
			continue
		}
		_ = enc.Encode(evaluate(evaluator, checks, req))
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func evaluate(evaluator policy.Evaluator, checks []policy.Check, req request) response {
	level, err := api.ParseLevel(req.Level)
	if err != nil {
		return response{ID: req.ID, Error: err.Error()}
	}
	versionText := req.Version
	if versionText != "latest" {
		versionText = "v" + versionText
	}
	version, err := api.ParseVersion(versionText)
	if err != nil {
		return response{ID: req.ID, Error: err.Error()}
	}
	// Defaulting works on a Pod; admission judges its metadata and spec afterwards.
	pod := &corev1.Pod{ObjectMeta: req.Metadata, Spec: req.Spec}
	k8sv1.SetObjectDefaults_Pod(pod)
	meta, spec := &pod.ObjectMeta, &pod.Spec
	lv := api.LevelVersion{Level: level, Version: version}
	aggregate := policy.AggregateCheckResults(evaluator.EvaluatePod(lv, meta, spec))

	// Which checks run at this level/version: restricted runs baseline checks too, minus the
	// ones a restricted check overrides at this version.
	overridden := map[policy.CheckID]bool{}
	if level == api.LevelRestricted {
		for _, c := range checks {
			if c.Level != api.LevelRestricted {
				continue
			}
			if vc := activeVersion(c, version); vc != nil {
				for _, id := range vc.OverrideCheckIDs {
					overridden[id] = true
				}
			}
		}
	}
	failing := []string{}
	for _, c := range checks {
		if c.Level == api.LevelRestricted && level != api.LevelRestricted {
			continue
		}
		if overridden[c.ID] {
			continue
		}
		vc := activeVersion(c, version)
		if vc == nil {
			continue
		}
		if result := vc.CheckPod(meta, spec); !result.Allowed {
			failing = append(failing, string(c.ID))
		}
	}
	sort.Strings(failing)
	return response{ID: req.ID, Allowed: aggregate.Allowed, Failing: failing}
}
