// Command argo-triggers evaluates Argo CD notification trigger conditions with the expression engine Argo CD's
// notifications controller uses (github.com/expr-lang/expr, the version argo-cd v3.4 pins), so the tests can check
// the program's triggers against Application states without running Argo CD.
//
// Input on stdin: {"triggers": {"<name>": {"when": "...", "oncePer": "..."}}, "cases": [{"trigger": "<name>",
// "app": {...}}]}. Output on stdout: one result per case, {"fired": bool, "oncePer": any, "error": "..."}.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/expr-lang/expr"
)

// timeHelpers is what Argo CD's notifications controller registers as `time` in every trigger's environment
// (util/notification/expression/time in argo-cd v3): Parse (RFC 3339, panicking on anything else, which fails the
// condition) and Now, plus the duration constants.
func timeHelpers() map[string]any {
	return map[string]any{
		"Parse": func(timestamp string) time.Time {
			t, err := time.Parse(time.RFC3339, timestamp)
			if err != nil {
				panic(err)
			}
			return t
		},
		"Now":    time.Now,
		"Second": time.Second,
		"Minute": time.Minute,
		"Hour":   time.Hour,
	}
}

type trigger struct {
	When    string `json:"when"`
	OncePer string `json:"oncePer"`
}

type input struct {
	Triggers map[string]trigger `json:"triggers"`
	Cases    []struct {
		Trigger string         `json:"trigger"`
		App     map[string]any `json:"app"`
	} `json:"cases"`
}

type result struct {
	Fired   bool   `json:"fired"`
	OncePer any    `json:"oncePer,omitempty"`
	Error   string `json:"error,omitempty"`
}

func main() {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fmt.Fprintln(os.Stderr, "argo-triggers: bad input:", err)
		os.Exit(2)
	}
	results := make([]result, 0, len(in.Cases))
	for _, c := range in.Cases {
		t, ok := in.Triggers[c.Trigger]
		if !ok {
			results = append(results, result{Error: "no trigger " + c.Trigger})
			continue
		}
		// As the notifications engine does: compile without a typed environment, run with the Application as `app`
		// and Argo CD's helpers beside it.
		env := map[string]any{"app": c.App, "time": timeHelpers()}
		prog, err := expr.Compile(t.When)
		if err != nil {
			results = append(results, result{Error: "compile: " + err.Error()})
			continue
		}
		out, err := expr.Run(prog, env)
		if err != nil {
			results = append(results, result{Error: "run: " + err.Error()})
			continue
		}
		fired, isBool := out.(bool)
		if !isBool {
			results = append(results, result{Error: fmt.Sprintf("condition returned %T, not bool", out)})
			continue
		}
		r := result{Fired: fired}
		if t.OncePer != "" {
			v, err := expr.Eval(t.OncePer, env)
			if err != nil {
				r.Error = "oncePer: " + err.Error()
			}
			r.OncePer = v
		}
		results = append(results, r)
	}
	if err := json.NewEncoder(os.Stdout).Encode(results); err != nil {
		os.Exit(1)
	}
}
