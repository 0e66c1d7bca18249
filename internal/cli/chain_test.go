package cli

import (
	"testing"

	"github.com/xrole/xrole/internal/awsconfig"
)

func TestSTSEndpointPrecedence(t *testing.T) {
	cfg, err := awsconfig.Parse("config", []byte("[profile p]\nendpoint_url = http://profile\nservices = s\n[services s]\nsts =\n  endpoint_url = http://services\n[profile q]\nendpoint_url = http://profile-q\n"))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := cfg.ConfigProfile("p")
	q, _ := cfg.ConfigProfile("q")
	tests := []struct {
		name string
		env  map[string]string
		keys map[string]string
		want string
	}{
		{"service variable first", map[string]string{"AWS_ENDPOINT_URL_STS": "http://sts-var", "AWS_ENDPOINT_URL": "http://all"}, p, "http://sts-var"},
		{"global variable next", map[string]string{"AWS_ENDPOINT_URL": "http://all"}, p, "http://all"},
		{"services section before endpoint_url", nil, p, "http://services"},
		{"profile endpoint_url", nil, q, "http://profile-q"},
		{"regional default", nil, nil, ""},
		{"ignored", map[string]string{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true", "AWS_ENDPOINT_URL_STS": "http://x"}, p, ""},
	}
	for _, tt := range tests {
		r := &resolver{getenv: func(k string) string { return tt.env[k] }, config: cfg}
		if got := r.stsEndpoint(tt.keys); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestRegionPrecedence(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		keys map[string]string
		want string
	}{
		{"XROLE_REGION over the profile", map[string]string{"XROLE_REGION": "eu-west-1", "AWS_REGION": "us-east-2"}, map[string]string{"xrole_region": "ap-south-1", "region": "us-west-2"}, "eu-west-1"},
		{"xrole_region over region", nil, map[string]string{"xrole_region": "ap-south-1", "region": "us-west-2"}, "ap-south-1"},
		{"profile region over AWS_REGION", map[string]string{"AWS_REGION": "us-east-2"}, map[string]string{"region": "us-west-2"}, "us-west-2"},
		{"AWS_REGION over AWS_DEFAULT_REGION", map[string]string{"AWS_REGION": "us-east-2", "AWS_DEFAULT_REGION": "eu-central-1"}, nil, "us-east-2"},
		{"AWS_DEFAULT_REGION", map[string]string{"AWS_DEFAULT_REGION": "eu-central-1"}, nil, "eu-central-1"},
		{"none: instance metadata", nil, nil, ""},
	}
	for _, tt := range tests {
		getenv := func(k string) string { return tt.env[k] }
		r := &resolver{getenv: getenv}
		if got := r.region(lookup{useEnv: true, getenv: getenv, keys: tt.keys, profile: "p"}); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

// A profile reached through a chain reads its own keys, not XROLE_*.
func TestChainedProfileIgnoresXROLEVariables(t *testing.T) {
	getenv := func(k string) string { return map[string]string{"XROLE_REGION": "eu-west-1"}[k] }
	r := &resolver{getenv: getenv}
	if got := r.region(lookup{getenv: getenv, keys: map[string]string{"region": "us-west-2"}, profile: "hub"}); got != "us-west-2" {
		t.Errorf("got %q, want the hub profile's own region", got)
	}
}
