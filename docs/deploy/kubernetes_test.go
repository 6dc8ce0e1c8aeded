package deploy

import (
	"errors"
	"io"
	"maps"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/seed6ab08d10/agora-token-server/config"
)

// The parts of the Kubernetes objects the tests read.
type (
	k8sMeta struct {
		Name   string            `yaml:"name"`
		Labels map[string]string `yaml:"labels"`
	}
	k8sDeployment struct {
		Metadata k8sMeta `yaml:"metadata"`
		Spec     struct {
			Replicas *int `yaml:"replicas"`
			Selector struct {
				MatchLabels map[string]string `yaml:"matchLabels"`
			} `yaml:"selector"`
			Template struct {
				Metadata k8sMeta `yaml:"metadata"`
				Spec     struct {
					EnableServiceLinks            *bool `yaml:"enableServiceLinks"`
					TerminationGracePeriodSeconds *int  `yaml:"terminationGracePeriodSeconds"`
					SecurityContext               struct {
						RunAsNonRoot *bool `yaml:"runAsNonRoot"`
						RunAsUser    *int  `yaml:"runAsUser"`
					} `yaml:"securityContext"`
					Containers []k8sContainer `yaml:"containers"`
				} `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	k8sContainer struct {
		Ports []struct {
			Name          string `yaml:"name"`
			ContainerPort int    `yaml:"containerPort"`
		} `yaml:"ports"`
		Env []struct {
			Name      string  `yaml:"name"`
			Value     *string `yaml:"value"`
			ValueFrom *struct {
				SecretKeyRef *struct {
					Name     string `yaml:"name"`
					Key      string `yaml:"key"`
					Optional bool   `yaml:"optional"`
				} `yaml:"secretKeyRef"`
			} `yaml:"valueFrom"`
		} `yaml:"env"`
		EnvFrom []struct {
			ConfigMapRef *struct {
				Name string `yaml:"name"`
			} `yaml:"configMapRef"`
		} `yaml:"envFrom"`
		LivenessProbe  *k8sProbe `yaml:"livenessProbe"`
		ReadinessProbe *k8sProbe `yaml:"readinessProbe"`
		Resources      struct {
			Requests map[string]string `yaml:"requests"`
			Limits   map[string]string `yaml:"limits"`
		} `yaml:"resources"`
		SecurityContext struct {
			AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
			ReadOnlyRootFilesystem   *bool `yaml:"readOnlyRootFilesystem"`
			Capabilities             struct {
				Drop []string `yaml:"drop"`
			} `yaml:"capabilities"`
		} `yaml:"securityContext"`
	}
	k8sProbe struct {
		HTTPGet *struct {
			Path string `yaml:"path"`
			Port string `yaml:"port"`
		} `yaml:"httpGet"`
	}
	k8sData struct {
		Metadata   k8sMeta           `yaml:"metadata"`
		Data       map[string]string `yaml:"data"`
		StringData map[string]string `yaml:"stringData"`
	}
	k8sService struct {
		Spec struct {
			Selector map[string]string `yaml:"selector"`
			Ports    []struct {
				TargetPort string `yaml:"targetPort"`
			} `yaml:"ports"`
		} `yaml:"spec"`
	}
	k8sHPA struct {
		Spec struct {
			ScaleTargetRef struct {
				Kind string `yaml:"kind"`
				Name string `yaml:"name"`
			} `yaml:"scaleTargetRef"`
			MinReplicas int `yaml:"minReplicas"`
			MaxReplicas int `yaml:"maxReplicas"`
		} `yaml:"spec"`
	}
)

const k8sDir = "kubernetes"

// k8sDoc is one object of the manifests, kept as a node to decode into the
// type a test needs.
type k8sDoc struct {
	file string
	kind string
	node *yaml.Node
}

// k8sObjects reads every object of every manifest in k8sDir.
func k8sObjects(t *testing.T) []k8sDoc {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(k8sDir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var docs []k8sDoc
	for _, file := range files {
		if filepath.Base(file) == "kustomization.yaml" {
			continue
		}
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		dec := yaml.NewDecoder(f)
		for {
			var node yaml.Node
			if err := dec.Decode(&node); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			var head struct {
				Kind string `yaml:"kind"`
			}
			if err := node.Decode(&head); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			docs = append(docs, k8sDoc{file: filepath.Base(file), kind: head.Kind, node: &node})
		}
	}
	return docs
}

// one decodes the only object of kind into v.
func one(t *testing.T, docs []k8sDoc, kind string, v any) {
	t.Helper()
	var found []k8sDoc
	for _, d := range docs {
		if d.kind == kind {
			found = append(found, d)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one %s, found %d", kind, len(found))
	}
	if err := found[0].node.Decode(v); err != nil {
		t.Fatalf("%s: %v", found[0].file, err)
	}
}

func TestKubernetes(t *testing.T) {
	objects := k8sObjects(t)
	var (
		deploy    k8sDeployment
		secret    k8sData
		configMap k8sData
		service   k8sService
		hpa       k8sHPA
	)
	one(t, objects, "Deployment", &deploy)
	one(t, objects, "Secret", &secret)
	one(t, objects, "ConfigMap", &configMap)
	one(t, objects, "Service", &service)
	one(t, objects, "HorizontalPodAutoscaler", &hpa)

	// kubectl apply -k applies the manifests kustomization.yaml lists: all
	// of them but the Secret's template, which would overwrite the real one.
	var kustomization struct {
		Resources []string `yaml:"resources"`
	}
	readYAML(t, filepath.Join(k8sDir, "kustomization.yaml"), &kustomization)
	for _, r := range kustomization.Resources {
		if _, err := os.Stat(filepath.Join(k8sDir, r)); err != nil {
			t.Errorf("kustomization.yaml: %v", err)
		}
	}
	for _, d := range objects {
		if listed := slices.Contains(kustomization.Resources, d.file); listed == (d.kind == "Secret") {
			t.Errorf("%s (%s): listed in kustomization.yaml = %t, want %t", d.file, d.kind, listed, !listed)
		}
	}

	pod := deploy.Spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("want one container, got %d", len(pod.Containers))
	}
	c := pod.Containers[0]
	podLabels := deploy.Spec.Template.Metadata.Labels

	t.Run("environment", func(t *testing.T) {
		d := envDecl{vars: map[string]string{}}
		for _, e := range c.Env {
			switch {
			case e.Value != nil:
				d.vars[e.Name] = *e.Value
			case e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil:
				ref := e.ValueFrom.SecretKeyRef
				if ref.Name != secret.Metadata.Name {
					t.Errorf("%s comes from Secret %q; the template is %q", e.Name, ref.Name, secret.Metadata.Name)
				}
				if _, ok := secret.StringData[ref.Key]; !ok {
					t.Errorf("%s comes from key %s, which the Secret's template lacks", e.Name, ref.Key)
				}
				d.vars[e.Name] = ""
			default:
				t.Errorf("%s has neither a value nor a secretKeyRef", e.Name)
			}
		}
		for _, from := range c.EnvFrom {
			if from.ConfigMapRef == nil || from.ConfigMapRef.Name != configMap.Metadata.Name {
				t.Errorf("envFrom %+v does not name the ConfigMap %q", from, configMap.Metadata.Name)
				continue
			}
			maps.Copy(d.vars, configMap.Data)
		}
		checkEnv(t, d)
	})

	t.Run("the Secret filled in starts the server", func(t *testing.T) {
		env := map[string]string{}
		for _, e := range c.Env {
			switch {
			case e.Value != nil:
				env[e.Name] = *e.Value
			case e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil:
				v, ok := sampleSecrets[e.ValueFrom.SecretKeyRef.Key]
				if !ok {
					t.Fatalf("no sample value for the Secret's key %s", e.ValueFrom.SecretKeyRef.Key)
				}
				env[e.Name] = v
			}
		}
		maps.Copy(env, configMap.Data)
		if env["REDIS_URL"] == "" {
			t.Fatal("the Deployment does not take REDIS_URL from the Secret; this test would prove nothing")
		}
		mustStart(t, env)
	})

	t.Run("metrics ask for the token from the Secret", func(t *testing.T) {
		// Heroku and Render make one up; here it comes from the Secret,
		// and a Secret without it keeps the Pod from starting rather than
		// leaving /metrics open.
		for _, e := range c.Env {
			if e.Name != "METRICS_TOKEN" {
				continue
			}
			if e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil || e.ValueFrom.SecretKeyRef.Optional {
				t.Errorf("METRICS_TOKEN is not a required reference to the Secret: %+v", e)
			}
			return
		}
		t.Error("the Deployment sets no METRICS_TOKEN: /metrics is open to anything that reaches the Pod")
	})

	t.Run("trusted proxies for the Ingress", func(t *testing.T) {
		// Without them every client behind the Ingress shares one bucket;
		// the server checks the syntax (the environment test above).
		proxies := strings.Split(configMap.Data["TRUSTED_PROXIES"], ",")
		if proxies[0] == "" {
			t.Fatal("configmap.yaml sets no TRUSTED_PROXIES: behind the Ingress all clients share one rate limit")
		}
		for _, p := range proxies {
			prefix, err := netip.ParsePrefix(strings.TrimSpace(p))
			if err != nil {
				addr, aerr := netip.ParseAddr(strings.TrimSpace(p))
				if aerr != nil {
					t.Errorf("TRUSTED_PROXIES entry %q is neither a CIDR nor an address", p)
					continue
				}
				prefix = netip.PrefixFrom(addr, addr.BitLen())
			}
			// A cluster's Pods live in a private range; anything wider
			// lets clients on the internet choose their address.
			if !prefix.Addr().IsPrivate() || prefix.Bits() < 8 {
				t.Errorf("TRUSTED_PROXIES entry %s is not inside a private range", prefix)
			}
		}
	})

	t.Run("shutdown fits the grace period", func(t *testing.T) {
		env := maps.Clone(sampleCredentials)
		for _, e := range c.Env {
			if e.Value != nil {
				env[e.Name] = *e.Value
			}
		}
		maps.Copy(env, configMap.Data)
		cfg, err := config.Load(nil, func(name string) string { return env[name] }, "", io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		// A Pod leaves its Service's endpoints only after SIGTERM; until
		// every node knows, traffic still comes.
		if cfg.ShutdownDelay < 3*time.Second {
			t.Errorf("SHUTDOWN_DELAY = %v, want a few seconds for the Service to stop sending traffic", cfg.ShutdownDelay)
		}
		grace := 30 * time.Second // Kubernetes' default
		if g := pod.TerminationGracePeriodSeconds; g != nil {
			grace = time.Duration(*g) * time.Second
		}
		if need := cfg.ShutdownDelay + cfg.ShutdownTimeout; need >= grace {
			t.Errorf("SHUTDOWN_DELAY + SHUTDOWN_TIMEOUT = %v, not below terminationGracePeriodSeconds (%v): requests would be killed", need, grace)
		}
	})

	t.Run("the Secret is a template", func(t *testing.T) {
		for key, v := range secret.StringData {
			if v != "" {
				t.Errorf("stringData.%s has a value", key)
			}
		}
		if len(secret.Data) > 0 {
			t.Errorf("data holds %v: the template must carry no values", sortedKeys(secret.Data))
		}
	})

	t.Run("probes", func(t *testing.T) {
		for name, p := range map[string]*k8sProbe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe} {
			if p == nil || p.HTTPGet == nil {
				t.Errorf("no HTTP %s probe", name)
				continue
			}
			if !hasPort(c, p.HTTPGet.Port) {
				t.Errorf("%s probe port %q is not a port of the container", name, p.HTTPGet.Port)
			}
		}
		// That the paths answer is checked against the running binary, in
		// TestBinary.
	})

	t.Run("locked down", func(t *testing.T) {
		sc := c.SecurityContext
		if p := pod.SecurityContext.RunAsNonRoot; p == nil || !*p {
			t.Error("pod: runAsNonRoot is not true")
		}
		if u := pod.SecurityContext.RunAsUser; u == nil || *u == 0 {
			t.Error("pod: runAsUser is not a non-zero user")
		}
		if p := sc.ReadOnlyRootFilesystem; p == nil || !*p {
			t.Error("container: readOnlyRootFilesystem is not true")
		}
		if p := sc.AllowPrivilegeEscalation; p == nil || *p {
			t.Error("container: allowPrivilegeEscalation is not false")
		}
		if !slices.Equal(sc.Capabilities.Drop, []string{"ALL"}) {
			t.Errorf("container: capabilities.drop = %v, want [ALL]", sc.Capabilities.Drop)
		}
		if p := pod.EnableServiceLinks; p == nil || *p {
			t.Error("pod: enableServiceLinks is not false; a Service's variables could shadow a setting")
		}
	})

	t.Run("resources", func(t *testing.T) {
		for _, r := range []string{"cpu", "memory"} {
			if c.Resources.Requests[r] == "" {
				t.Errorf("no %s request", r)
			}
		}
		if c.Resources.Limits["memory"] == "" {
			t.Error("no memory limit")
		}
	})

	t.Run("wiring", func(t *testing.T) {
		if !labelsMatch(deploy.Spec.Selector.MatchLabels, podLabels) {
			t.Errorf("Deployment selector %v does not select its pods %v", deploy.Spec.Selector.MatchLabels, podLabels)
		}
		if !labelsMatch(service.Spec.Selector, podLabels) {
			t.Errorf("Service selector %v does not select the pods %v", service.Spec.Selector, podLabels)
		}
		for _, p := range service.Spec.Ports {
			if !hasPort(c, p.TargetPort) {
				t.Errorf("Service targetPort %q is not a port of the container", p.TargetPort)
			}
		}
		if ref := hpa.Spec.ScaleTargetRef; ref.Kind != "Deployment" || ref.Name != deploy.Metadata.Name {
			t.Errorf("HorizontalPodAutoscaler scales %s %q, want Deployment %q", ref.Kind, ref.Name, deploy.Metadata.Name)
		}
		if hpa.Spec.MinReplicas < 2 || hpa.Spec.MaxReplicas < hpa.Spec.MinReplicas {
			t.Errorf("replicas %d to %d: want at least 2, and max >= min", hpa.Spec.MinReplicas, hpa.Spec.MaxReplicas)
		}
		if deploy.Spec.Replicas != nil {
			t.Error("the Deployment sets replicas: every apply would undo the autoscaler")
		}
	})
}

// k8sProbePaths lists the HTTP paths the Deployment's probes call.
func k8sProbePaths(t *testing.T) []string {
	t.Helper()
	var deploy k8sDeployment
	one(t, k8sObjects(t), "Deployment", &deploy)
	var paths []string
	for _, c := range deploy.Spec.Template.Spec.Containers {
		for _, p := range []*k8sProbe{c.LivenessProbe, c.ReadinessProbe} {
			if p != nil && p.HTTPGet != nil {
				paths = append(paths, p.HTTPGet.Path)
			}
		}
	}
	return paths
}

// hasPort reports whether port names a port of c, by name or number.
func hasPort(c k8sContainer, port string) bool {
	for _, p := range c.Ports {
		if port == p.Name || port == strconv.Itoa(p.ContainerPort) {
			return true
		}
	}
	return false
}

// labelsMatch reports whether a selector picks objects with labels.
func labelsMatch(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}
