package credproc_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/xrole/xrole/credproc"
	"github.com/xrole/xrole/internal/imdsfake"
)

func TestIMDS(t *testing.T) {
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name     string
		mode     imdsfake.Mode
		disabled bool
		wantErr  string // substring; empty means success
		wantHint string
	}{
		{name: "ok", mode: imdsfake.Normal},
		{name: "no role", mode: imdsfake.NoRole, wantErr: "no IAM role is attached", wantHint: "associate-iam-instance-profile"},
		{name: "500", mode: imdsfake.Error500, wantErr: "failing with HTTP 500 after retries"},
		{name: "slow", mode: imdsfake.Slow, wantErr: "does not answer"},
		{name: "hop limit", mode: imdsfake.HopLimit, wantErr: "hop limit", wantHint: "--http-put-response-hop-limit 2"},
		{name: "v1 only", mode: imdsfake.V1Only, wantErr: "never falls back to IMDSv1", wantHint: "--http-tokens required"},
		{name: "disabled", mode: imdsfake.Normal, disabled: true, wantErr: "AWS_EC2_METADATA_DISABLED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake := imdsfake.New("i-0123456789abcdef0", "eu-west-1", "111111111111", "web",
				imdsfake.Creds{AccessKeyID: "ASIAFAKE", SecretAccessKey: "sekret", Token: "tok", Expiration: exp})
			fake.SetMode(tt.mode, 5*time.Second)
			srv := httptest.NewServer(fake)
			defer srv.Close()
			ep := credproc.IMDSEndpoint{URL: srv.URL, Disabled: tt.disabled}
			p := &credproc.IMDS{Endpoint: ep}
			start := time.Now()
			c, err := p.Retrieve(context.Background())
			if took := time.Since(start); took > 8*time.Second {
				t.Errorf("took %v; IMDS calls must be bounded", took)
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Retrieve: %v", err)
				}
				if c.AccessKeyID != "ASIAFAKE" || c.SecretAccessKey != "sekret" || c.SessionToken != "tok" || !c.Expires.Equal(exp) {
					t.Fatalf("got %+v", c)
				}
				return
			}
			if err == nil {
				t.Fatalf("want error containing %q, got none", tt.wantErr)
			}
			if credproc.KindOf(err) != credproc.KindBase {
				t.Errorf("kind = %v, want KindBase", credproc.KindOf(err))
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantErr)
			}
			hints := strings.Join(credproc.HintsOf(err), "\n")
			if !strings.Contains(hints, tt.wantHint) {
				t.Errorf("hints %q do not contain %q", hints, tt.wantHint)
			}
			if strings.Contains(err.Error()+hints, "sekret") {
				t.Errorf("secret in error")
			}
			t.Logf("%v (%v)", err, time.Since(start))
		})
	}
}
