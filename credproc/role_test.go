package credproc

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestRoleValidate(t *testing.T) {
	ok := Role{ARN: "arn:aws:iam::123456789012:role/path/to/deploy", Duration: time.Hour}
	tests := map[string]struct {
		mod  func(*Role)
		want string // "" for valid
	}{
		"valid":                  {func(*Role) {}, ""},
		"china partition":        {func(r *Role) { r.ARN = "arn:aws-cn:iam::123456789012:role/x" }, ""},
		"no arn":                 {func(r *Role) { r.ARN = "" }, "no role ARN"},
		"user arn":               {func(r *Role) { r.ARN = "arn:aws:iam::123456789012:user/x" }, "not of the form"},
		"short account":          {func(r *Role) { r.ARN = "arn:aws:iam::1234:role/x" }, "not of the form"},
		"15m":                    {func(r *Role) { r.Duration = 15 * time.Minute }, ""},
		"just under 15m":         {func(r *Role) { r.Duration = 15*time.Minute - time.Second }, "outside"},
		"12h unchained":          {func(r *Role) { r.Duration = 12 * time.Hour }, ""},
		"12h chained":            {func(r *Role) { r.Duration = 12 * time.Hour; r.Chained = true }, "outside 15m0s..1h0m0s"},
		"1h chained":             {func(r *Role) { r.Duration = time.Hour; r.Chained = true }, ""},
		"session name 64":        {func(r *Role) { r.SessionName = strings.Repeat("a", 64) }, ""},
		"session name 65":        {func(r *Role) { r.SessionName = strings.Repeat("a", 65) }, "session name"},
		"session name 1":         {func(r *Role) { r.SessionName = "a" }, "session name"},
		"session name slash":     {func(r *Role) { r.SessionName = "a/b" }, "session name"},
		"session name all chars": {func(r *Role) { r.SessionName = "a_b+c=d,e.f@g-h" }, ""},
		"external id 1224":       {func(r *Role) { r.ExternalID = strings.Repeat("x", 1224) }, ""},
		"external id 1225":       {func(r *Role) { r.ExternalID = strings.Repeat("x", 1225) }, "external id"},
		"external id with space": {func(r *Role) { r.ExternalID = "a b" }, "external id"},
		"region":                 {func(r *Role) { r.Region = "ap-northeast-1" }, ""},
		"gov region":             {func(r *Role) { r.Region = "us-gov-west-1" }, ""},
		"bad region":             {func(r *Role) { r.Region = "EU" }, "region"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			r := ok
			tt.mod(&r)
			err := r.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			case err != nil && KindOf(err) != KindConfig:
				t.Fatalf("kind %v, want KindConfig", KindOf(err))
			}
		})
	}
}

func TestParseDuration(t *testing.T) {
	tests := map[string]time.Duration{"3600": time.Hour, "1h": time.Hour, "90m": 90 * time.Minute, " 900 ": 15 * time.Minute, "1h30m": 90 * time.Minute}
	for in, want := range tests {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "soon", "1 hour", "h"} {
		if _, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) accepted", in)
		}
	}
}

var validSession = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)

func TestDefaultSessionName(t *testing.T) {
	tests := []struct{ id, user, host, want string }{
		{"i-0123456789abcdef0", "root", "web", "i-0123456789abcdef0"},
		{"", "alice", "build-01", "alice@build-01"},
		{"", "DOMAIN\\bob", "pc.corp.example", "DOMAIN-bob@pc.corp.example"},
		{"", "", "", "xrole-@"},
		{"", "ünïcode", "h", "-n-code@h"},
		{"", strings.Repeat("u", 70), "h", strings.Repeat("u", 64)},
	}
	for _, tt := range tests {
		got := DefaultSessionName(tt.id, tt.user, tt.host)
		if got != tt.want {
			t.Errorf("DefaultSessionName(%q, %q, %q) = %q, want %q", tt.id, tt.user, tt.host, got, tt.want)
		}
		if !validSession.MatchString(got) {
			t.Errorf("%q is not a valid session name", got)
		}
	}
}

func FuzzSanitizeSessionName(f *testing.F) {
	for _, s := range []string{"", "a", "alice@host", "x y/z", strings.Repeat("é", 40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got := SanitizeSessionName(s); !validSession.MatchString(got) {
			t.Fatalf("SanitizeSessionName(%q) = %q, not a valid session name", s, got)
		}
	})
}
