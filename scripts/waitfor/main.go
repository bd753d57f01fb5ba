// Command waitfor decides, as pulumi-kubernetes does, whether an object satisfies its `pulumi.com/waitFor`
// annotation, so the cluster tests can create a stack's objects in the engine's order without a Pulumi engine.
//
// The annotation is read as pulumi-kubernetes' metadata.ReadyCondition reads it: a JSON string array (every entry
// must hold) or one string. Each `jsonpath=` entry is parsed and matched by the provider's own package
// (github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/jsonpath: RFC 9535 paths, the first selected value compared
// as text). `condition=` entries are not used by gitops-stack and are refused.
//
// Usage: waitfor '<annotation value>' < object.json
// Output: {"matched": bool, "results": [{"condition", "matched", "found", "message"}]}; exit 2 when the annotation
// does not parse (the provider would fail the resource the same way).
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/jsonpath"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

type result struct {
	Condition string `json:"condition"`
	Matched   bool   `json:"matched"`
	Found     string `json:"found,omitempty"`
	Message   string `json:"message,omitempty"`
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "waitfor: "+format+"\n", args...)
	os.Exit(2)
}

func main() {
	if len(os.Args) != 2 {
		fail("usage: waitfor '<pulumi.com/waitFor value>' < object.json")
	}
	var values []string
	if err := json.Unmarshal([]byte(os.Args[1]), &values); err != nil {
		values = []string{os.Args[1]}
	}
	if len(values) == 0 {
		fail("at least one condition must be specified")
	}
	var object map[string]any
	if err := json.NewDecoder(os.Stdin).Decode(&object); err != nil {
		fail("reading the object: %v", err)
	}
	all := true
	results := make([]result, 0, len(values))
	for _, expr := range values {
		if !strings.HasPrefix(expr, "jsonpath=") {
			fail("expected a \"jsonpath=\" prefix, got %q", expr)
		}
		parsed, err := jsonpath.Parse(expr)
		if err != nil {
			fail("%v", err)
		}
		match, err := parsed.Matches(&unstructured.Unstructured{Object: object})
		if err != nil {
			fail("%v", err)
		}
		all = all && match.Matched
		results = append(results, result{Condition: expr, Matched: match.Matched, Found: match.Found, Message: match.Message})
	}
	if err := json.NewEncoder(os.Stdout).Encode(map[string]any{"matched": all, "results": results}); err != nil {
		os.Exit(1)
	}
}
