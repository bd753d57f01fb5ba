// Command setters writes Flux ImagePolicies' selected images into the YAML files of a directory through their
// setter markers, with the library Flux's image-automation-controller writes them with: kustomize's kyaml, at the
// version the controller v1.1.1 builds with (scripts/cluster/build-release.sh). The controller itself is refused by
// the Go module proxy, so the cluster tests (tests/cluster/imageReflector.test.ts) use this to check that the
// example repository's markers are what the controller would act on, and what it would write.
//
// The marker format is the controller's: a line comment holding the JSON object {"$imagepolicy": "<ns>:<policy>"},
// optionally suffixed :tag, :name or :digest (kyaml's short-hand setter reference, set by
// fieldmeta.SetShortHandRef), resolved against one setter definition per policy and suffix. kyaml parses the
// comment and resolves the reference; only the walk over the scalar fields and the report are written here.
//
// Usage: setters -dir DIR -policies FILE, where FILE is a JSON list of {"namespace", "name", "latestRef": {"name",
// "tag", "digest"}} (an ImagePolicy's status.latestRef). Changed files are rewritten in place (kyaml's writer, as
// the controller's); each change is printed as a JSON line {"file", "setter", "old", "new"}.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/kube-openapi/pkg/validation/spec"
	"sigs.k8s.io/kustomize/kyaml/fieldmeta"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/openapi"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The marker key, and the schema extension kyaml's setters carry their values in (kyaml/setters2's key).
const (
	shortHand    = "$imagepolicy"
	extensionKey = "x-k8s-cli"
)

type policy struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	LatestRef struct {
		Name   string `json:"name"`
		Tag    string `json:"tag"`
		Digest string `json:"digest"`
	} `json:"latestRef"`
}

type change struct {
	File   string `json:"file"`
	Setter string `json:"setter"`
	Old    string `json:"old"`
	New    string `json:"new"`
}

func setterSchema(name, value string) spec.Schema {
	s := spec.StringProperty()
	s.Extensions = spec.Extensions{}
	s.Extensions.Add(extensionKey, map[string]any{"setter": map[string]string{"name": name, "value": value}})
	return *s
}

// definitions: for each policy, the setters <ns>:<name> (the whole reference), :tag, :name and :digest.
func definitions(policies []policy) spec.Schema {
	defs := spec.Definitions{}
	for _, p := range policies {
		ref := p.LatestRef.Name
		if p.LatestRef.Tag != "" {
			ref += ":" + p.LatestRef.Tag
		}
		if p.LatestRef.Digest != "" {
			ref += "@" + p.LatestRef.Digest
		}
		base := p.Namespace + ":" + p.Name
		for suffix, value := range map[string]string{
			"": ref, ":tag": p.LatestRef.Tag, ":name": p.LatestRef.Name, ":digest": p.LatestRef.Digest,
		} {
			defs[fieldmeta.SetterDefinitionPrefix+base+suffix] = setterSchema(base+suffix, value)
		}
	}
	return spec.Schema{SchemaProps: spec.SchemaProps{Definitions: defs}}
}

// setterOf returns the setter a scalar's marker names (resolved by kyaml), or ok=false.
func setterOf(node *yaml.RNode, schema *spec.Schema) (name, value string, ok bool) {
	fm := fieldmeta.FieldMeta{SettersSchema: schema}
	if err := fm.Read(node); err != nil || fm.IsEmpty() || fm.Schema.Ref.String() == "" {
		return "", "", false
	}
	resolved, err := openapi.Resolve(&fm.Schema.Ref, schema)
	if err != nil || resolved == nil {
		return "", "", false
	}
	raw, err := json.Marshal(resolved.Extensions[extensionKey])
	if err != nil {
		return "", "", false
	}
	var ext struct {
		Setter *struct{ Name, Value string } `json:"setter"`
	}
	if json.Unmarshal(raw, &ext) != nil || ext.Setter == nil {
		return "", "", false
	}
	return ext.Setter.Name, ext.Setter.Value, true
}

// walk calls fn for every scalar under node (mapping values and sequence elements).
func walk(node *yaml.RNode, fn func(*yaml.RNode)) error {
	switch node.YNode().Kind {
	case yaml.DocumentNode:
		return walk(yaml.NewRNode(node.YNode().Content[0]), fn)
	case yaml.MappingNode:
		return node.VisitFields(func(f *yaml.MapNode) error { return walk(f.Value, fn) })
	case yaml.SequenceNode:
		return node.VisitElements(func(e *yaml.RNode) error { return walk(e, fn) })
	case yaml.ScalarNode:
		fn(node)
	}
	return nil
}

func run(dir, policiesFile string) ([]change, error) {
	raw, err := os.ReadFile(policiesFile)
	if err != nil {
		return nil, err
	}
	var policies []policy
	if err := json.Unmarshal(raw, &policies); err != nil {
		return nil, fmt.Errorf("%s: %w", policiesFile, err)
	}
	fieldmeta.SetShortHandRef(shortHand)
	openapi.SuppressBuiltInSchemaUse()
	schema := definitions(policies)

	var changes []change
	// Only the files with a change are written back, as the controller does.
	onlyChanged := kio.FilterFunc(func(nodes []*yaml.RNode) ([]*yaml.RNode, error) {
		changed := map[string]bool{}
		for _, n := range nodes {
			file, _, err := kioutil.GetFileAnnotations(n)
			if err != nil {
				return nil, err
			}
			err = walk(n, func(scalar *yaml.RNode) {
				name, value, ok := setterOf(scalar, &schema)
				if !ok || scalar.YNode().Value == value {
					return
				}
				changes = append(changes, change{File: file, Setter: name, Old: scalar.YNode().Value, New: value})
				scalar.YNode().Value = value
				changed[file] = true
			})
			if err != nil {
				return nil, err
			}
		}
		var out []*yaml.RNode
		for _, n := range nodes {
			if file, _, _ := kioutil.GetFileAnnotations(n); changed[file] {
				out = append(out, n)
			}
		}
		return out, nil
	})
	// Like the controller's reader: only the YAML files holding the marker token are read, with their sequence
	// indentation kept for the writer.
	reader := &kio.LocalPackageReader{
		PackagePath:       dir,
		PreserveSeqIndent: true,
		FileSkipFunc: func(rel string) bool {
			content, err := os.ReadFile(filepath.Join(dir, rel))
			return err != nil || !bytes.Contains(content, []byte(`"`+shortHand+`"`))
		},
	}
	err = kio.Pipeline{
		Inputs:  []kio.Reader{reader},
		Filters: []kio.Filter{onlyChanged},
		Outputs: []kio.Writer{&kio.LocalPackageWriter{PackagePath: dir}},
	}.Execute()
	return changes, err
}

func main() {
	dir := flag.String("dir", "", "directory of YAML files to update in place")
	policies := flag.String("policies", "", "JSON file: a list of {namespace, name, latestRef: {name, tag, digest}}")
	flag.Parse()
	if *dir == "" || *policies == "" {
		fmt.Fprintln(os.Stderr, "usage: setters -dir DIR -policies FILE")
		os.Exit(2)
	}
	changes, err := run(*dir, *policies)
	if err != nil {
		fmt.Fprintln(os.Stderr, "setters:", err)
		os.Exit(1)
	}
	enc := json.NewEncoder(os.Stdout)
	for _, c := range changes {
		if err := enc.Encode(c); err != nil {
			os.Exit(1)
		}
	}
}
