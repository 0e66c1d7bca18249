package cli

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
)

// setting is one role setting that may come from a flag, an XROLE_*
// variable or an xrole_* profile key.
type setting struct {
	flag  string // "role-arn"
	usage string
}

func (s setting) env() string {
	return "XROLE_" + strings.ToUpper(strings.ReplaceAll(s.flag, "-", "_"))
}
func (s setting) key() string { return "xrole_" + strings.ReplaceAll(s.flag, "-", "_") }

var (
	sRoleARN       = setting{"role-arn", "ARN of the role to assume"}
	sExternalID    = setting{"external-id", "external id the role's trust policy requires"}
	sSessionName   = setting{"session-name", "role session name (default: instance id, or user@host)"}
	sDuration      = setting{"duration", "session duration, Go duration or seconds, 15m..12h (at most 1h from role credentials such as the instance role's)"}
	sRegion        = setting{"region", "region of the STS endpoint (default: profile region, AWS_REGION, then instance metadata)"}
	sSource        = setting{"source", "base credentials: imds (default), env, or profile:NAME"}
	sCache         = setting{"cache", "credentials cache: auto (default), file, none, or keyring:NAME (keyctl, secret-service, kwallet, keychain, wincred, pass, file)"}
	sRefreshWindow = setting{"refresh-window", "refresh cached credentials once less than this remains (default 15m, at most half the session)"}
)

// roleSettings are the role flags of process (and later env, exec, configure).
var roleSettings = []setting{sRoleARN, sExternalID, sSessionName, sDuration, sRegion, sSource, sCache, sRefreshWindow}

func roleFlags() []cli.Flag {
	var fs []cli.Flag
	for _, s := range roleSettings {
		fs = append(fs, &cli.StringFlag{
			Name:  s.flag,
			Usage: fmt.Sprintf("%s [$%s, profile key %s]", s.usage, s.env(), s.key()),
		})
	}
	return fs
}

// origin says where a value came from, for errors and --debug.
type origin string

// lookup resolves one setting with precedence flag > XROLE_* > profile key.
// keys is the profile (nil when there is none). The command's own hop reads
// flags and variables; a profile that a chain refers to has only its keys.
type lookup struct {
	c       *cli.Context // nil: no flags
	useEnv  bool         // read XROLE_* variables
	getenv  func(string) string
	keys    map[string]string
	profile string
}

func (l lookup) get(s setting) (string, origin) {
	if l.c != nil && l.c.IsSet(s.flag) {
		return l.c.String(s.flag), origin("--" + s.flag)
	}
	if l.useEnv {
		if v := l.getenv(s.env()); v != "" {
			return v, origin(s.env())
		}
	}
	if v := l.keys[s.key()]; v != "" {
		return v, origin(fmt.Sprintf("%s in profile %q", s.key(), l.profile))
	}
	return "", ""
}
