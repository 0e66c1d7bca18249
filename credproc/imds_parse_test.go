package credproc

import (
	"strings"
	"testing"
	"time"
)

func TestParseIMDSCreds(t *testing.T) {
	tests := map[string]struct {
		body, want string
	}{
		"ok":         {`{"Code":"Success","AccessKeyId":"ASIA1","SecretAccessKey":"sk","Token":"tk","Expiration":"2030-01-01T00:00:00Z"}`, ""},
		"lower code": {`{"Code":"success","AccessKeyId":"ASIA1","SecretAccessKey":"sk","Token":"tk","Expiration":"2030-01-01T00:00:00Z"}`, ""},
		"not json":   {`<html>`, "malformed"},
		"failure":    {`{"Code":"AssumeRoleUnauthorizedAccess","Message":"sk leaked?"}`, `reports code "AssumeRoleUnauthorizedAccess"`},
		"no secret":  {`{"Code":"Success","AccessKeyId":"ASIA1","Expiration":"2030-01-01T00:00:00Z"}`, "incomplete"},
		"no expiry":  {`{"Code":"Success","AccessKeyId":"ASIA1","SecretAccessKey":"sk"}`, "incomplete"},
		"bad expiry": {`{"Code":"Success","AccessKeyId":"ASIA1","SecretAccessKey":"sk","Expiration":"tomorrow"}`, "malformed"},
	}
	for name, tt := range tests {
		c, err := parseIMDSCreds("web", []byte(tt.body))
		if tt.want == "" {
			if err != nil || c.SecretAccessKey != "sk" || !c.Expires.Equal(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)) {
				t.Errorf("%s: %+v, %v", name, c, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) || KindOf(err) != KindBase {
			t.Errorf("%s: error %v, want KindBase containing %q", name, err, tt.want)
		}
	}
}

func FuzzParseIMDSCreds(f *testing.F) {
	f.Add(`{"Code":"Success","AccessKeyId":"ASIA1","SecretAccessKey":"sk","Token":"tk","Expiration":"2030-01-01T00:00:00Z"}`)
	f.Add(`{"Code":"Failure","Message":"x"}`)
	f.Add(`null`)
	f.Fuzz(func(t *testing.T, body string) {
		c, err := parseIMDSCreds("web", []byte(body))
		if err != nil {
			if strings.Contains(err.Error(), body) && len(body) > 8 {
				t.Fatalf("error quotes the document: %v", err)
			}
			return
		}
		if c.AccessKeyID == "" || c.SecretAccessKey == "" || !c.CanExpire || c.Expires.IsZero() {
			t.Fatalf("accepted incomplete credentials %q", body)
		}
	})
}
