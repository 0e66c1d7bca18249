package e2e

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xrole/xrole/internal/imdsfake"
	"github.com/xrole/xrole/internal/motoworld"
)

// closedURL is an address where nothing listens.
func closedURL(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

// Every bad input and fault: its exit code, nothing on stdout, one
// "xrole: error:" line (hints may follow), and no secret on stderr.
func TestBadInput(t *testing.T) {
	type row struct {
		name   string
		config string // AWS config file; prodProfile when empty
		args   []string
		vars   map[string]string
		setup  func(t *testing.T, e *env) []string // may return args instead
		code   int
		stderr string // regexp for the first line of stderr
	}
	rows := []row{
		{name: "unknown profile", args: []string{"process", "nope"}, code: 2,
			stderr: `^xrole: error: profile "nope" not found in .*/config$`},
		{name: "malformed role ARN", args: []string{"process", "--role-arn", "arn:aws:iam::12:role/x"}, code: 2,
			stderr: `^xrole: error: role ARN "arn:aws:iam::12:role/x" is not of the form`},
		{name: "missing role ARN", args: []string{"process"}, code: 2,
			stderr: `^xrole: error: no role ARN given$`},
		{name: "session name with a space", args: []string{"process", "prod", "--session-name", "my session"}, code: 2,
			stderr: `^xrole: error: profile "prod": session name "my session" must be 2 to 64 characters`},
		{name: "session name too long", args: []string{"process", "prod", "--session-name", strings.Repeat("s", 65)}, code: 2,
			stderr: `^xrole: error: profile "prod": session name "s+" must be 2 to 64`},
		{name: "duration below 15m", args: []string{"process", "prod", "--duration", "5m"}, code: 2,
			stderr: `^xrole: error: profile "prod": duration 5m0s is outside 15m0s\.\.1h0m0s$`},
		{name: "duration above 1h from the instance role", args: []string{"process", "prod", "--duration", "2h"}, code: 2,
			stderr: `^xrole: error: profile "prod": duration 2h0m0s is outside 15m0s\.\.1h0m0s$`},
		{name: "duration above 12h", args: []string{"process", "prod", "--source", "env", "--duration", "43201"}, code: 2,
			stderr: `^xrole: error: profile "prod": duration 12h0m1s is outside 15m0s\.\.12h0m0s$`},
		{name: "duration not a duration", args: []string{"process", "prod", "--duration", "soon"}, code: 2,
			stderr: `^xrole: error: --duration: duration "soon" is neither a Go duration`},
		{name: "unknown source", args: []string{"process", "prod", "--source", "ssm"}, code: 2,
			stderr: `^xrole: error: --source: source "ssm": want imds, env or profile:NAME$`},
		{name: "source profile missing", args: []string{"process", "prod", "--source", "profile:hub"}, code: 2,
			stderr: `^xrole: error: profile "hub" not found in `},
		{name: "source profile without credentials", args: []string{"process", "prod", "--source", "profile:default"}, code: 2,
			stderr: `^xrole: error: source profile "default" has no credentials xrole can use$`},
		{name: "profile loop", config: "[profile a]\nxrole_role_arn = arn:aws:iam::222222222222:role/a\nxrole_source = profile:b\n[profile b]\nxrole_role_arn = arn:aws:iam::222222222222:role/b\nxrole_source = profile:a\n",
			args: []string{"process", "a"}, code: 2, stderr: `^xrole: error: profiles form a loop: a -> b -> a$`},
		{name: "profile with role_arn", config: "[profile prod]\nrole_arn = arn:aws:iam::222222222222:role/x\nxrole_role_arn = arn:aws:iam::222222222222:role/x\n",
			args: []string{"process", "prod"}, code: 2, stderr: `^xrole: error: profile "prod" sets role_arn`},
		{name: "malformed config file", config: "[profile prod\nxrole_role_arn = x\n", args: []string{"process", "prod"}, code: 2,
			stderr: `^xrole: error: AWS config file: parse .*/config: `},
		{name: "key before any section", config: "xrole_role_arn = x\n[profile prod]\n", args: []string{"process", "prod"}, code: 2,
			stderr: `^xrole: error: AWS config file: parse .*: key "xrole_role_arn" stands before any \[section\]$`},
		{name: "unknown flag", args: []string{"process", "prod", "--rol-arn", "x"}, code: 2,
			stderr: `^xrole: error: flag provided but not defined: -rol-arn$`},
		{name: "two profiles", args: []string{"process", "prod", "dev"}, code: 2,
			stderr: `^xrole: error: process takes at most one PROFILE, got \["prod" "dev"\]$`},
		{name: "unknown command", args: []string{"procesz"}, code: 2,
			stderr: `^xrole: error: unknown command "procesz"`},
		{name: "bad region", args: []string{"process", "prod", "--region", "moon"}, code: 2,
			stderr: `^xrole: error: profile "prod": region "moon" is not a region name`},
		{name: "external id too short", args: []string{"process", "prod", "--external-id", "x"}, code: 2,
			stderr: `^xrole: error: profile "prod": external id must be 2 to 1224 characters`},
		{name: "no region off EC2", args: []string{"process", "--role-arn", "arn:aws:iam::222222222222:role/x", "--source", "env"}, code: 2,
			stderr: `^xrole: error: no region for STS$`},
		{name: "metadata unreachable", code: 3, args: []string{"process", "prod"},
			setup: func(t *testing.T, e *env) []string {
				e.vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = closedURL(t)
				return nil
			},
			stderr: `^xrole: error: list instance roles: instance metadata at http://127\.0\.0\.1:\d+ unreachable: connection refused$`},
		{name: "no role attached", code: 3, args: []string{"process", "prod"},
			setup:  func(t *testing.T, e *env) []string { e.imds.SetMode(imdsfake.NoRole, 0); return nil },
			stderr: `^xrole: error: no IAM role is attached to this instance$`},
		{name: "hop limit", code: 3, args: []string{"process", "prod"},
			setup:  func(t *testing.T, e *env) []string { e.imds.SetMode(imdsfake.HopLimit, 10*time.Second); return nil },
			stderr: `^xrole: error: instance metadata token request timed out, but .* answers: the IMDSv2 hop limit is too low`},
		{name: "metadata failing", code: 3, args: []string{"process", "prod"},
			setup:  func(t *testing.T, e *env) []string { e.imds.SetMode(imdsfake.Error500, 0); return nil },
			stderr: `^xrole: error: list instance roles: instance metadata at .* failing with HTTP 500 after retries$`},
		{name: "metadata IMDSv1 only", code: 3, args: []string{"process", "prod"},
			setup:  func(t *testing.T, e *env) []string { e.imds.SetMode(imdsfake.V1Only, 0); return nil },
			stderr: `^xrole: error: instance metadata at .* refuses IMDSv2 tokens \(HTTP 403\); xrole never falls back to IMDSv1$`},
		{name: "metadata disabled", code: 3, args: []string{"process", "prod"}, vars: map[string]string{"AWS_EC2_METADATA_DISABLED": "true"},
			stderr: `^xrole: error: instance metadata is disabled by AWS_EC2_METADATA_DISABLED$`},
		{name: "env source without keys", code: 3, args: []string{"process", "prod", "--source", "env"},
			stderr: `^xrole: error: source env: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set$`},
		{name: "untrusted principal", code: 4,
			setup: func(t *testing.T, e *env) []string {
				arn := e.role(t, "untrusted", motoworld.TrustRole("arn:aws:iam::333333333333:role/other", ""))
				return []string{"process", "--role-arn", arn}
			},
			stderr: `^xrole: error: assume "arn:aws:iam::222222222222:role/untrusted-.*": access denied: User: arn:aws:sts::111111111111:assumed-role/web-.*/i-0a1b2c3d4e5f60718 is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role/untrusted-`},
		{name: "wrong external id", code: 4, args: []string{"process", "prod", "--external-id", "not-the-one"},
			stderr: `^xrole: error: assume ".*": access denied: User: .* is not authorized to perform: sts:AssumeRole`},
		{name: "missing external id", code: 4, config: strings.Replace(prodProfile, "xrole_external_id", "# xrole_external_id", 1), args: []string{"process", "prod"},
			stderr: `^xrole: error: assume ".*": access denied: `},
		{name: "no identity policy", code: 4,
			setup: func(t *testing.T, e *env) []string {
				arn := e.role(t, "unlisted", motoworld.TrustRole(e.world.InstanceRoleARN, ""))
				return []string{"process", "--role-arn", arn}
			},
			stderr: `^xrole: error: assume ".*": access denied: .* because no identity-based policy allows the sts:AssumeRole action$`},
		{name: "throttled", code: 5, args: []string{"process", "prod"},
			setup:  func(t *testing.T, e *env) []string { e.guard.SetFault(motoworld.Throttle); return nil },
			stderr: `^xrole: error: assume ".*": STS throttled the call after retries: Throttling$`},
		{name: "STS failing", code: 5, args: []string{"process", "prod"},
			setup:  func(t *testing.T, e *env) []string { e.guard.SetFault(motoworld.Unavailable); return nil },
			stderr: `^xrole: error: assume ".*": STS at http://127\.0\.0\.1:\d+ failing with HTTP 503 after retries: ServiceUnavailable$`},
		{name: "STS unreachable", code: 5, args: []string{"process", "prod"},
			setup: func(t *testing.T, e *env) []string {
				e.vars["AWS_ENDPOINT_URL_STS"] = closedURL(t)
				return nil
			},
			stderr: `^xrole: error: assume ".*": STS at http://127\.0\.0\.1:\d+ unreachable: connection refused$`},
		// The cache's options.
		{name: "unknown cache backend", args: []string{"process", "prod", "--cache", "redis"}, code: 2,
			stderr: `^xrole: error: --cache: cache backend "redis": want auto, file, none, or keyring:NAME`},
		{name: "unknown cache backend in XROLE_CACHE", args: []string{"process", "prod"}, vars: map[string]string{"XROLE_CACHE": "keyring:vault"}, code: 2,
			stderr: `^xrole: error: XROLE_CACHE: cache backend "keyring:vault": want`},
		{name: "unknown cache backend in the profile", config: prodProfile + "xrole_cache = s3\n", args: []string{"process", "prod"}, vars: map[string]string{"XROLE_CACHE": ""}, code: 2,
			stderr: `^xrole: error: xrole_cache in profile "prod": cache backend "s3": want`},
		{name: "refresh window not a duration", args: []string{"process", "prod", "--refresh-window", "later"}, code: 2,
			stderr: `^xrole: error: --refresh-window: refresh window "later": want a duration from 0 to 12h$`},
		{name: "refresh window negative", args: []string{"process", "prod", "--refresh-window", "-5m"}, code: 2,
			stderr: `^xrole: error: --refresh-window: refresh window "-5m": want a duration from 0 to 12h$`},
		{name: "lock timeout not a duration", args: []string{"process", "prod"}, vars: map[string]string{"XROLE_LOCK_TIMEOUT": "forever"}, code: 2,
			stderr: `^xrole: error: XROLE_LOCK_TIMEOUT "forever": want a duration above 0 and at most 45s$`},
		{name: "keyring file without passphrase", args: []string{"process", "prod", "--cache", "keyring:file"}, code: 2,
			stderr: `^xrole: error: keyring:file needs a passphrase in XROLE_KEYRING_PASSWORD; xrole never prompts$`},
		{name: "world-writable cache directory", args: []string{"process", "prod"},
			setup: func(t *testing.T, e *env) []string {
				dir := filepath.Join(e.home, ".cache", "xrole")
				if err := os.MkdirAll(dir, 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(dir, 0o777); err != nil {
					t.Fatal(err)
				}
				return nil
			},
			code: 2, stderr: `^xrole: error: refusing cache directory .*/\.cache/xrole: mode 0777 lets others write to it$`},
		{name: "cache list with an argument", args: []string{"cache", "list", "prod"}, code: 2,
			stderr: `^xrole: error: cache list takes no arguments, got \["prod"\]$`},
		{name: "cache clear with two profiles", args: []string{"cache", "clear", "a", "b"}, code: 2,
			stderr: `^xrole: error: cache clear takes at most one PROFILE, got \["a" "b"\]$`},
		{name: "unknown cache command", args: []string{"cache", "purge"}, code: 2,
			stderr: `^xrole: error: unknown cache command "purge": want list or clear$`},
		{name: "cache list with a bad backend", args: []string{"cache", "list", "--cache", "nope"}, code: 2,
			stderr: `^xrole: error: --cache: cache backend "nope": want`},
		// env, exec and the AssumeRole options.
		{name: "tag without =", args: []string{"process", "prod", "--tag", "team"}, code: 2,
			stderr: `^xrole: error: --tag: tag "team": want KEY=VALUE$`},
		{name: "tag key too long", args: []string{"process", "prod", "--tag", strings.Repeat("k", 129) + "=v"}, code: 2,
			stderr: `^xrole: error: profile "prod": tag key "k+": want 1 to 128 letters`},
		{name: "tag value with a bad character", args: []string{"process", "prod", "--tag", "team=a;b"}, code: 2,
			stderr: `^xrole: error: profile "prod": tag "team": value must be at most 256`},
		{name: "tag key aws:", args: []string{"process", "prod", "--tag", "aws:x=1"}, code: 2,
			stderr: `^xrole: error: profile "prod": tag key "aws:x": .* not starting with aws:$`},
		{name: "too many tags", args: append([]string{"process", "prod"}, manyTags(51)...), code: 2,
			stderr: `^xrole: error: profile "prod": 51 session tags: STS allows at most 50$`},
		{name: "duplicate tag", args: []string{"process", "prod", "--tag", "a=1", "--tag", "A=2"}, code: 2,
			stderr: `^xrole: error: profile "prod": tag key "A" given twice`},
		{name: "transitive tag not among the tags", args: []string{"process", "prod", "--tag", "a=1", "--transitive-tag", "b"}, code: 2,
			stderr: `^xrole: error: profile "prod": transitive tag "b" is not one of the session tags$`},
		{name: "bad source identity", args: []string{"process", "prod", "--source-identity", "a b"}, code: 2,
			stderr: `^xrole: error: profile "prod": source identity "a b" must be 2 to 64 characters`},
		{name: "source identity aws:", args: []string{"process", "prod", "--source-identity", "aws:me"}, code: 2,
			stderr: `^xrole: error: profile "prod": source identity "aws:me" must be`},
		{name: "policy ARN malformed", args: []string{"process", "prod", "--policy-arn", "ReadOnlyAccess"}, code: 2,
			stderr: `^xrole: error: profile "prod": policy ARN "ReadOnlyAccess" is not of the form`},
		{name: "too many policy ARNs", args: append([]string{"process", "prod"}, manyPolicies(11)...), code: 2,
			stderr: `^xrole: error: profile "prod": 11 session policy ARNs: STS allows at most 10$`},
		{name: "policy file missing", args: []string{"process", "prod", "--policy-file", "/nonexistent/p.json"}, code: 2,
			stderr: `^xrole: error: --policy-file: open /nonexistent/p.json: no such file or directory$`},
		{name: "policy file not JSON", args: []string{"process", "prod"},
			setup: func(t *testing.T, e *env) []string {
				return []string{"process", "prod", "--policy-file", writeFile(t, e, "p.json", "{not json")}
			},
			code: 2, stderr: `^xrole: error: --policy-file .*/p.json: session policy is not a JSON object: `},
		{name: "policy file too large", args: []string{"process", "prod"},
			setup: func(t *testing.T, e *env) []string {
				doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + strings.Repeat("b", 2100) + `"}]}`
				return []string{"process", "prod", "--policy-file", writeFile(t, e, "p.json", doc)}
			},
			code: 2, stderr: `^xrole: error: --policy-file .*/p.json: session policy is 2\d{3} characters without whitespace; STS allows 2048$`},
		{name: "MFA code not 6 digits", args: []string{"process", "prod", "--mfa-serial", "arn:aws:iam::111111111111:mfa/a", "--mfa-token", "12345"}, code: 2,
			stderr: `^xrole: error: --mfa-token: MFA code must be 6 digits$`},
		{name: "MFA code without a device", args: []string{"process", "prod", "--mfa-token", "123456"}, code: 2,
			stderr: `^xrole: error: an MFA code was given but no MFA device$`},
		{name: "MFA serial malformed", args: []string{"process", "prod", "--mfa-serial", "my phone"}, code: 2,
			stderr: `^xrole: error: profile "prod": MFA serial "my phone": want the MFA device's ARN`},
		{name: "MFA required, process never prompts", args: []string{"process", "prod", "--mfa-serial", "arn:aws:iam::111111111111:mfa/a"}, code: 2,
			stderr: `^xrole: error: role arn:aws:iam::222222222222:role/.* requires an MFA code \(device arn:aws:iam::111111111111:mfa/a\) and xrole never prompts here$`},
		{name: "MFA required, env off a terminal", args: []string{"env", "prod", "--mfa-serial", "arn:aws:iam::111111111111:mfa/a"}, code: 2,
			stderr: `^xrole: error: role .* requires an MFA code .* and xrole never prompts here$`},
		{name: "MFA command failing", args: []string{"process", "prod", "--mfa-serial", "arn:aws:iam::111111111111:mfa/a", "--mfa-process", "exit 3"}, code: 2,
			stderr: `^xrole: error: MFA command "exit 3" failed: exit status 3$`},
		{name: "MFA command printing no code", args: []string{"process", "prod", "--mfa-serial", "arn:aws:iam::111111111111:mfa/a", "--mfa-process", "echo hello"}, code: 2,
			stderr: `^xrole: error: MFA command "echo hello" printed no 6-digit code$`},
		{name: "env unknown format", args: []string{"env", "prod", "--format", "tcsh"}, code: 2,
			stderr: `^xrole: error: --format "tcsh": want one of sh, fish, powershell, cmd, dotenv, json$`},
		{name: "env two profiles", args: []string{"env", "prod", "dev"}, code: 2,
			stderr: `^xrole: error: env takes at most one PROFILE, got \["prod" "dev"\]$`},
		{name: "env unknown profile", args: []string{"env", "nope", "--format", "fish"}, code: 2,
			stderr: `^xrole: error: profile "nope" not found in `},
		{name: "exec without a command", args: []string{"exec", "prod"}, code: 2,
			stderr: `^xrole: error: exec needs a command: xrole exec \[PROFILE\] -- COMMAND \[ARG...\]$`},
		{name: "exec two profiles", args: []string{"exec", "prod", "dev", "--", "true"}, code: 2,
			stderr: `^xrole: error: exec takes at most one PROFILE before --, got \["prod" "dev"\]$`},
		{name: "exec missing command", args: []string{"exec", "prod", "--", "no-such-command-xrole"}, code: 127,
			stderr: `^xrole: error: command not found: no-such-command-xrole$`},
		{name: "exec denied", args: []string{"exec", "prod", "--external-id", "wrong-one", "--", "true"}, code: 4,
			stderr: `^xrole: error: assume ".*": access denied: `},
		{name: "configure without a profile", args: []string{"configure", "--role-arn", "arn:aws:iam::222222222222:role/x"}, code: 2,
			stderr: `^xrole: error: configure takes one PROFILE, got 0 arguments$`},
		{name: "configure two profiles", args: []string{"configure", "a", "b"}, code: 2,
			stderr: `^xrole: error: configure takes one PROFILE, got 2 arguments$`},
		{name: "configure bad profile name", args: []string{"configure", "a]b", "--role-arn", "arn:aws:iam::222222222222:role/x"}, code: 2,
			stderr: `^xrole: error: profile name "a\]b": use letters, digits and -_\.@\+ only$`},
		{name: "configure stores no MFA code", args: []string{"configure", "prod", "--mfa-token", "123456"}, code: 2,
			stderr: `^xrole: error: --mfa-token is not stored: an MFA code changes every 30 seconds`},
		{name: "configure a new profile without a role", args: []string{"configure", "new"}, code: 2,
			stderr: `^xrole: error: not written: profile "new": no role ARN given$`},
		{name: "configure invalid setting", args: []string{"configure", "prod", "--duration", "5m"}, code: 2,
			stderr: `^xrole: error: not written: profile "prod": duration 5m0s is outside`},
		{name: "configure unknown source profile", args: []string{"configure", "prod", "--source", "profile:nope"}, code: 2,
			stderr: `^xrole: error: not written: profile "nope" not found in `},
		{name: "configure malformed config file", config: "[profile prod\n", args: []string{"configure", "prod", "--role-arn", "arn:aws:iam::222222222222:role/x"}, code: 2,
			stderr: `^xrole: error: AWS config file: parse `},
		{name: "setup without flags", args: []string{"setup"}, code: 2,
			stderr: `^xrole: error: setup needs --target-profile$`},
		{name: "setup without a source role", args: []string{"setup", "--target-profile", "t", "--source-profile", "s", "--role-name", "r"}, code: 2,
			stderr: `^xrole: error: setup needs --source-role$`},
		{name: "setup bad role name", args: []string{"setup", "--target-profile", "t", "--source-profile", "s", "--role-name", "deploy", "--source-role", "web", "--role-name", "a b"}, code: 2,
			stderr: `^xrole: error: --role-name "a b": 1 to 64 letters`},
		{name: "setup bad source role", args: []string{"setup", "--target-profile", "t", "--source-profile", "s", "--role-name", "deploy", "--source-role", "web", "--source-role", "arn:aws:iam::1:user/x"}, code: 2,
			stderr: `^xrole: error: --source-role "arn:aws:iam::1:user/x" is not a role ARN$`},
		{name: "setup bad policy ARN", args: []string{"setup", "--target-profile", "t", "--source-profile", "s", "--role-name", "deploy", "--source-role", "web", "--policy-arn", "ReadOnlyAccess"}, code: 2,
			stderr: `^xrole: error: --policy-arn "ReadOnlyAccess" is not of the form`},
		{name: "setup missing policy file", args: []string{"setup", "--target-profile", "t", "--source-profile", "s", "--role-name", "deploy", "--source-role", "web", "--policy-file", "/nonexistent/p.json"}, code: 2,
			stderr: `^xrole: error: --policy-file: open /nonexistent/p.json: no such file or directory$`},
		{name: "setup policy file without statements", code: 2,
			setup: func(t *testing.T, e *env) []string {
				return []string{"setup", "--target-profile", "t", "--source-profile", "s", "--role-name", "deploy", "--source-role", "web", "--policy-file", writeFile(t, e, "p.json", `{"Version":"2012-10-17"}`)}
			},
			stderr: `^xrole: error: --policy-file .*p.json: policy document has no Statement$`},
		{name: "setup external id too short", args: []string{"setup", "--target-profile", "t", "--source-profile", "s", "--role-name", "deploy", "--source-role", "web", "--external-id", "x"}, code: 2,
			stderr: `^xrole: error: --external-id must be 2 to 1224 characters`},
		{name: "setup max session above 12h", args: []string{"setup", "--target-profile", "t", "--source-profile", "s", "--role-name", "deploy", "--source-role", "web", "--max-session", "13h"}, code: 2,
			stderr: `^xrole: error: --max-session 13h0m0s: IAM allows 1h to 12h$`},
		{name: "setup max session not a duration", args: []string{"setup", "--target-profile", "t", "--source-profile", "s", "--role-name", "deploy", "--source-role", "web", "--max-session", "long"}, code: 2,
			stderr: `^xrole: error: duration "long" is neither a Go duration`},
		{name: "setup bad instance profile", args: []string{"setup", "--target-profile", "t", "--source-profile", "s", "--role-name", "deploy", "--source-role", "web", "--instance-profile", "a/b"}, code: 2,
			stderr: `^xrole: error: --instance-profile "a/b": 1 to 128 letters`},
		{name: "setup bad instance id", args: []string{"setup", "--target-profile", "t", "--source-profile", "s", "--role-name", "deploy", "--source-role", "web", "--instance-id", "web-1"}, code: 2,
			stderr: `^xrole: error: --instance-id "web-1" is not an instance id`},
		{name: "setup bad region", args: []string{"setup", "--target-profile", "t", "--source-profile", "s", "--role-name", "deploy", "--source-role", "web", "--region", "moon"}, code: 2,
			stderr: `^xrole: error: --region "moon" is not a region name`},
		{name: "setup bad profile to write", args: []string{"setup", "--target-profile", "t", "--source-profile", "s", "--role-name", "deploy", "--source-role", "web", "--write-profile", "a b"}, code: 2,
			stderr: `^xrole: error: --write-profile "a b": use letters`},
		{name: "setup unknown source profile", args: []string{"setup", "--target-profile", "t", "--source-profile", "s", "--role-name", "deploy", "--source-role", "web"}, code: 2,
			stderr: `^xrole: error: --source-profile: profile "s" not found in `},
		{name: "setup arguments", args: []string{"setup", "--target-profile", "t", "--source-profile", "s", "--role-name", "deploy", "--source-role", "web", "extra"}, code: 2,
			stderr: `^xrole: error: setup takes no arguments, got \["extra"\]$`},
		{name: "doctor two profiles", args: []string{"doctor", "prod", "dev"}, code: 2,
			stderr: `^xrole: error: doctor takes at most one PROFILE, got \["prod" "dev"\]$`},
		{name: "doctor unknown flag", args: []string{"doctor", "prod", "--jsn"}, code: 2,
			stderr: `^xrole: error: flag provided but not defined: -jsn$`},
		{name: "doctor target profile without a value", args: []string{"doctor", "prod", "--target-profile"}, code: 2,
			stderr: `^xrole: error: flag needs an argument: -target-profile$`},
		{name: "completion unknown shell", args: []string{"completion", "tcsh"}, code: 2,
			stderr: `^xrole: error: completion "tcsh": want bash, zsh or fish$`},
		{name: "completion without a shell", args: []string{"completion"}, code: 2,
			stderr: `^xrole: error: completion takes one shell: bash, zsh or fish$`},
		{name: "version with an argument", args: []string{"version", "now"}, code: 2,
			stderr: `^xrole: error: version takes no arguments$`},
	}
	if len(rows) < 20 {
		t.Fatalf("the table must hold at least 20 rows, has %d", len(rows))
	}
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			cfg := tt.config
			if cfg == "" {
				cfg = prodProfile
			}
			e.config(cfg)
			args := tt.args
			if tt.setup != nil {
				if a := tt.setup(t, e); a != nil {
					args = a
				}
			}
			r := e.xrole(tt.vars, args...)
			t.Logf("stderr:\n%s", r.stderr)
			if r.code != tt.code {
				t.Errorf("exit %d, want %d\nstderr: %s", r.code, tt.code, r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout not empty: %q", r.stdout)
			}
			lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
			if !regexp.MustCompile(tt.stderr).MatchString(lines[0]) {
				t.Errorf("first stderr line\n  %q\ndoes not match\n  %q", lines[0], tt.stderr)
			}
			for _, l := range lines[1:] {
				if !strings.HasPrefix(l, "xrole: hint: ") {
					t.Errorf("stderr line %q is neither the error nor a hint", l)
				}
			}
		})
	}
}

// role creates a role in the target account whose name starts with prefix.
func (e *env) role(t *testing.T, prefix string, trust motoworld.Policy) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	arn, err := moto.CreateRole(ctx, motoworld.TargetAccount, prefix+"-"+e.world.Name, trust)
	if err != nil {
		t.Fatal(err)
	}
	return arn
}

func manyTags(n int) []string {
	var out []string
	for i := range n {
		out = append(out, "--tag", fmt.Sprintf("k%d=v", i))
	}
	return out
}

func manyPolicies(n int) []string {
	var out []string
	for i := range n {
		out = append(out, "--policy-arn", fmt.Sprintf("arn:aws:iam::aws:policy/P%d", i))
	}
	return out
}

func writeFile(t *testing.T, e *env, name, text string) string {
	t.Helper()
	p := filepath.Join(e.home, name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
