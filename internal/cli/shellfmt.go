package cli

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/xrole/xrole/credproc"
)

// formats are the outputs of `xrole env`.
var formats = []string{"sh", "fish", "powershell", "cmd", "dotenv", "json"}

// shadowing are variables that would make the AWS CLI and SDKs ignore the
// exported keys (a profile named in the environment wins over environment
// keys in botocore) or hand old tools a stale token; env clears them.
var shadowing = []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SECURITY_TOKEN"}

// exported are the variables env may set, in order.
var exported = []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	"AWS_CREDENTIAL_EXPIRATION", "AWS_REGION", "AWS_DEFAULT_REGION"}

type kv struct{ k, v string }

// script renders set (in order) and unset in the format. It fails, rather
// than print something a shell would misread, when a value cannot be
// written in the format.
func script(format string, set []kv, unset []string) (string, error) {
	var b strings.Builder
	switch format {
	case "sh":
		for _, e := range set {
			fmt.Fprintf(&b, "export %s=%s\n", e.k, shQuote(e.v))
		}
		if len(unset) > 0 {
			fmt.Fprintf(&b, "unset %s\n", strings.Join(unset, " "))
		}
	case "fish":
		for _, e := range set {
			fmt.Fprintf(&b, "set -gx %s %s\n", e.k, fishQuote(e.v))
		}
		for _, k := range unset {
			fmt.Fprintf(&b, "set -e %s; or true\n", k) // a missing variable is no failure
		}
	case "powershell":
		for _, e := range set {
			fmt.Fprintf(&b, "$Env:%s = '%s'\n", e.k, strings.ReplaceAll(e.v, "'", "''"))
		}
		for _, k := range unset {
			fmt.Fprintf(&b, "Remove-Item Env:%s -ErrorAction SilentlyContinue\n", k)
		}
	case "cmd":
		// For a batch file (xrole env --format cmd > creds.cmd, then call
		// creds.cmd): %% stands for %, the quotes protect & | < > ^.
		for _, e := range set {
			if strings.ContainsAny(e.v, "\r\n\"!") {
				return "", credproc.Errorf(credproc.KindConfig, "%s holds a newline, quote or '!', which cmd cannot set", e.k).
					WithHint("use --format powershell or json")
			}
			fmt.Fprintf(&b, "set \"%s=%s\"\r\n", e.k, strings.ReplaceAll(e.v, "%", "%%"))
		}
		for _, k := range unset {
			fmt.Fprintf(&b, "set \"%s=\"\r\n", k)
		}
	case "dotenv":
		for _, e := range set {
			fmt.Fprintf(&b, "%s=%s\n", e.k, dotenvQuote(e.v))
		}
		for _, k := range unset {
			fmt.Fprintf(&b, "%s=\n", k)
		}
	case "json":
		m := map[string]any{}
		for _, e := range set {
			m[e.k] = e.v
		}
		for _, k := range unset {
			m[k] = nil
		}
		j, _ := json.MarshalIndent(m, "", "  ")
		b.Write(j)
		b.WriteByte('\n')
	default:
		return "", usagef("--format %q: want one of %s", format, strings.Join(formats, ", "))
	}
	return b.String(), nil
}

// shQuote quotes for POSIX shells: single quotes, a quote as '\”.
func shQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// fishQuote: in fish's single quotes only \\ and \' are escapes.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// dotenvQuote: single quotes (literal in docker compose and python-dotenv)
// when they can hold the value, else double quotes with \\ \" \n \$.
func dotenvQuote(s string) string {
	if !strings.ContainsAny(s, "'\n\r") {
		return "'" + s + "'"
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "$", `\$`).Replace(s) + `"`
}
