package cli

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeSTS answers AssumeRole with fixed credentials and counts calls.
func fakeSTS(t testing.TB) (*httptest.Server, *atomic.Int64) {
	var calls atomic.Int64
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		exp := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		fmt.Fprintf(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
<Credentials><AccessKeyId>ASIAFAKE</AccessKeyId><SecretAccessKey>secret</SecretAccessKey><SessionToken>token</SessionToken><Expiration>%s</Expiration></Credentials>
<AssumedRoleUser><Arn>arn:aws:sts::222222222222:assumed-role/r/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser>
</AssumeRoleResult></AssumeRoleResponse>`, exp)
	}))
	t.Cleanup(s.Close)
	return s, &calls
}

// warmEnv is a home with an xrole profile (env source) and a fake STS.
func warmEnv(t testing.TB) (Env, *atomic.Int64) {
	sts, calls := fakeSTS(t)
	home := t.TempDir()
	cfg := filepath.Join(home, "config")
	os.WriteFile(cfg, []byte("[profile prod]\nxrole_role_arn = arn:aws:iam::222222222222:role/r\nxrole_source = env\nregion = eu-west-1\n"), 0o600)
	vars := map[string]string{
		"HOME": home, "AWS_CONFIG_FILE": cfg, "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(home, "credentials"),
		"AWS_ACCESS_KEY_ID": "AKIABASE", "AWS_SECRET_ACCESS_KEY": "base", "AWS_ENDPOINT_URL_STS": sts.URL,
		"XROLE_CACHE": "file",
	}
	return Env{
		Args:   []string{"xrole", "process", "prod"},
		Stdin:  strings.NewReader(""),
		Stdout: io.Discard, Stderr: io.Discard,
		Getenv: func(k string) string { return vars[k] },
		Now:    time.Now,
	}, calls
}

// The warm path serves the entry without calling STS.
func TestWarmPathServesTheCache(t *testing.T) {
	env, calls := warmEnv(t)
	var out1, out2, errb bytes.Buffer
	env.Stdout, env.Stderr = &out1, &errb
	if code := Main(env); code != 0 {
		t.Fatalf("cold: exit %d: %s", code, errb.String())
	}
	env.Stdout = &out2
	if code := Main(env); code != 0 {
		t.Fatalf("warm: exit %d: %s", code, errb.String())
	}
	if calls.Load() != 1 || out1.String() != out2.String() || !strings.Contains(out2.String(), `"AccessKeyId":"ASIAFAKE"`) {
		t.Fatalf("calls %d, outputs %q / %q", calls.Load(), out1.String(), out2.String())
	}
}

// BenchmarkWarmMain is the warm path in-process (profile it with
// -cpuprofile); the whole-process figures come from `make bench`.
func BenchmarkWarmMain(b *testing.B) {
	env, calls := warmEnv(b)
	if Main(env) != 0 {
		b.Fatal("cold call failed")
	}
	for b.Loop() {
		if Main(env) != 0 {
			b.Fatal("warm call failed")
		}
	}
	if calls.Load() != 1 {
		b.Fatalf("%d STS calls", calls.Load())
	}
}
