package credproc

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func baseRole() Role {
	return Role{ARN: "arn:aws:iam::222222222222:role/r", Duration: time.Hour, Region: "eu-west-1"}
}

// Every setting that changes the credentials changes the cache key parts.
func TestKeyPartsCoverEveryOption(t *testing.T) {
	changes := map[string]func(*Role){
		"arn":             func(r *Role) { r.ARN += "2" },
		"external id":     func(r *Role) { r.ExternalID = "ext" },
		"session":         func(r *Role) { r.SessionName = "s1" },
		"duration":        func(r *Role) { r.Duration = 30 * time.Minute },
		"region":          func(r *Role) { r.Region = "us-east-1" },
		"tag":             func(r *Role) { r.Tags = []Tag{{"a", "1"}} },
		"tag value":       func(r *Role) { r.Tags = []Tag{{"a", "2"}} },
		"transitive":      func(r *Role) { r.Tags = []Tag{{"a", "1"}}; r.TransitiveTagKeys = []string{"a"} },
		"source identity": func(r *Role) { r.SourceIdentity = "alice" },
		"policy arn":      func(r *Role) { r.PolicyARNs = []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"} },
		"policy":          func(r *Role) { r.Policy = `{"Statement":[]}` },
		"mfa serial":      func(r *Role) { r.MFASerial = "arn:aws:iam::111111111111:mfa/a" },
	}
	seen := map[string]string{strings.Join(baseRole().KeyParts(), "\x00"): "base"}
	for name, change := range changes {
		r := baseRole()
		change(&r)
		k := strings.Join(r.KeyParts(), "\x00")
		if other, dup := seen[k]; dup {
			t.Errorf("changing %s gives the key parts of %s", name, other)
		}
		seen[k] = name
	}
	// The tag ("a","bc") and ("ab","c") must differ too.
	r1, r2 := baseRole(), baseRole()
	r1.Tags, r2.Tags = []Tag{{"a", "bc"}}, []Tag{{"ab", "c"}}
	if slices.Equal(r1.KeyParts(), r2.KeyParts()) {
		t.Error("tags a=bc and ab=c share key parts")
	}
}

func TestParsePolicy(t *testing.T) {
	got, err := ParsePolicy([]byte("{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": []\n}\n"))
	if err != nil || got != `{"Version":"2012-10-17","Statement":[]}` {
		t.Fatalf("%q, %v", got, err)
	}
	for _, bad := range []string{"", "[]", `{"Version":"x"}`, "{", `{"Statement":"` + strings.Repeat("x", 2048) + `"}`} {
		if _, err := ParsePolicy([]byte(bad)); err == nil || KindOf(err) != KindConfig {
			t.Errorf("accepted %.40q: %v", bad, err)
		}
	}
}

func TestValidateOptions(t *testing.T) {
	good := baseRole()
	good.Tags = []Tag{{"team", "blue green"}, {"cost:center", "42"}, {"empty", ""}}
	good.TransitiveTagKeys = []string{"TEAM"} // tag keys are case-insensitive
	good.SourceIdentity = "alice@example.com"
	good.MFASerial = "arn:aws:iam::111111111111:mfa/alice"
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	if !ValidMFAToken("012345") || ValidMFAToken("12345") || ValidMFAToken("12345a") {
		t.Error("ValidMFAToken")
	}
}
