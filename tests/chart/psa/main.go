// Command psa checks the pod templates in Kubernetes manifests (multi-document YAML on stdin)
// against a Pod Security Standards level, using the rules of the Kubernetes
// pod-security-admission library itself: the same code the API server enforces with.
//
//	helm template ... | psa -level restricted -version v1.34
//
// It prints one line per violation and exits 1 when there is any.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
	"sigs.k8s.io/yaml"
)

type header struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Name string `json:"name"`
	} `json:"metadata"`
}

func main() {
	level := flag.String("level", "restricted", "Pod Security Standards level")
	version := flag.String("version", "latest", "policy version, e.g. v1.34")
	flag.Parse()

	parsedLevel, err := api.ParseLevel(*level)
	if err != nil {
		fail(err)
	}
	parsedVersion, err := api.ParseVersion(*version)
	if err != nil {
		fail(err)
	}
	lv := api.LevelVersion{Level: parsedLevel, Version: parsedVersion}
	evaluator, err := policy.NewEvaluator(policy.DefaultChecks())
	if err != nil {
		fail(err)
	}

	reader := utilyaml.NewYAMLReader(bufio.NewReader(os.Stdin))
	pods, violations := 0, 0
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			fail(err)
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		var h header
		if err := yaml.Unmarshal(doc, &h); err != nil {
			fail(err)
		}
		var template *corev1.PodTemplateSpec
		switch h.Kind {
		case "Pod":
			var pod corev1.Pod
			must(yaml.UnmarshalStrict(doc, &pod))
			template = &corev1.PodTemplateSpec{ObjectMeta: pod.ObjectMeta, Spec: pod.Spec}
		case "Deployment":
			var deployment appsv1.Deployment
			must(yaml.UnmarshalStrict(doc, &deployment))
			template = &deployment.Spec.Template
		default:
			continue
		}
		pods++
		for _, result := range evaluator.EvaluatePod(lv, &template.ObjectMeta, &template.Spec) {
			if !result.Allowed {
				violations++
				fmt.Printf("%s/%s: %s: %s\n", h.Kind, h.Metadata.Name, result.ForbiddenReason, result.ForbiddenDetail)
			}
		}
	}
	fmt.Printf("%d pod specs checked at %s, %d violations\n", pods, lv.String(), violations)
	if pods == 0 || violations > 0 {
		os.Exit(1)
	}
}

func must(err error) {
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "psa:", err)
	os.Exit(2)
}
