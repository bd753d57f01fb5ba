// Command argocd-rbac answers whether SSO users may act on Argo CD objects, with Argo CD's own enforcer wired as
// argocd-server wires it (server/server.go of github.com/argoproj/argo-cd/v3): the built-in policy, argocd-rbac-cm's
// policy.csv / policy.default / policy.matchMode / scopes (rbac.Enforcer.syncUpdate and the server's scope loader),
// and rbacpolicy.RBACPolicyEnforcer as the claims enforcer, so the AppProjects' own roles (groups bound to
// proj:<project>:<role>) count as they do for a real request. Built by scripts/cluster/build-argocd.sh inside the
// Argo CD build's module, so it runs the same Argo CD code as the testbed's controllers.
//
// Input on stdin: {"rbacConfigMap": {<data of argocd-rbac-cm>}, "projects": [<AppProject objects>],
// "checks": [{"sub": "<user>", "groups": ["..."], "resource": "applications", "action": "sync",
// "object": "<project>/<app>"}]}. Output: one {"allowed": bool} per check, in order.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/golang-jwt/jwt/v5"
	"k8s.io/client-go/tools/cache"
	"sigs.k8s.io/yaml"

	"github.com/argoproj/argo-cd/v3/pkg/apis/application/v1alpha1"
	applister "github.com/argoproj/argo-cd/v3/pkg/client/listers/application/v1alpha1"
	"github.com/argoproj/argo-cd/v3/server/rbacpolicy"
	"github.com/argoproj/argo-cd/v3/util/assets"
	"github.com/argoproj/argo-cd/v3/util/rbac"
)

const namespace = "argocd"

type check struct {
	Sub      string   `json:"sub"`
	Groups   []string `json:"groups"`
	Resource string   `json:"resource"`
	Action   string   `json:"action"`
	Object   string   `json:"object"`
}

type input struct {
	RBAC     map[string]string     `json:"rbacConfigMap"`
	Projects []v1alpha1.AppProject `json:"projects"`
	Checks   []check               `json:"checks"`
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "argocd-rbac:", err)
	os.Exit(2)
}

func main() {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fail(err)
	}
	indexer := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	for i := range in.Projects {
		p := in.Projects[i]
		p.Namespace = namespace
		if err := indexer.Add(&p); err != nil {
			fail(err)
		}
	}
	projLister := applister.NewAppProjectLister(indexer).AppProjects(namespace)

	enf := rbac.NewEnforcer(nil, namespace, "argocd-rbac-cm", nil)
	if err := enf.SetBuiltinPolicy(assets.BuiltinPolicyCSV); err != nil {
		fail(err)
	}
	policyEnf := rbacpolicy.NewRBACPolicyEnforcer(enf, projLister)
	enf.SetClaimsEnforcerFunc(policyEnf.EnforceClaims)
	// As rbac.Enforcer.syncUpdate and argocd-server's policy loader read argocd-rbac-cm.
	enf.SetDefaultRole(in.RBAC[rbac.ConfigMapPolicyDefaultKey])
	enf.SetMatchMode(in.RBAC[rbac.ConfigMapMatchModeKey])
	if s := in.RBAC[rbac.ConfigMapScopesKey]; s != "" {
		var scopes []string
		if err := yaml.Unmarshal([]byte(s), &scopes); err != nil {
			fail(err)
		}
		policyEnf.SetScopes(scopes)
	}
	if err := enf.SetUserPolicy(rbac.PolicyCSV(in.RBAC)); err != nil {
		fail(err)
	}

	out := make([]map[string]bool, 0, len(in.Checks))
	for _, c := range in.Checks {
		groups := make([]any, 0, len(c.Groups))
		for _, g := range c.Groups {
			groups = append(groups, g)
		}
		claims := jwt.MapClaims{"sub": c.Sub, "groups": groups, "iss": "https://sso.test.example"}
		out = append(out, map[string]bool{"allowed": enf.Enforce(claims, c.Resource, c.Action, c.Object)})
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		os.Exit(1)
	}
}
