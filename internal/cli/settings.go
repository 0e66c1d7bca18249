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
	list  bool // repeatable flag; comma-separated in variables and profile keys
}

func (s setting) env() string {
	return "XROLE_" + strings.ToUpper(strings.ReplaceAll(s.flag, "-", "_"))
}
func (s setting) key() string { return "xrole_" + strings.ReplaceAll(s.flag, "-", "_") }

var (
	sRoleARN        = setting{"role-arn", "ARN of the role to assume", false}
	sExternalID     = setting{"external-id", "external id the role's trust policy requires", false}
	sSessionName    = setting{"session-name", "role session name (default: instance id, or user@host)", false}
	sDuration       = setting{"duration", "session duration, Go duration or seconds, 15m..12h (at most 1h from role credentials such as the instance role's)", false}
	sRegion         = setting{"region", "region of the STS endpoint (default: profile region, AWS_REGION, then instance metadata)", false}
	sSource         = setting{"source", "base credentials: imds (default), env, or profile:NAME", false}
	sTag            = setting{"tag", "session tag KEY=VALUE (repeatable)", true}
	sTransitiveTag  = setting{"transitive-tag", "session tag KEY that passes on to chained roles (repeatable)", true}
	sSourceIdentity = setting{"source-identity", "source identity to set on the session", false}
	sPolicyARN      = setting{"policy-arn", "managed policy ARN that limits the session (repeatable)", true}
	sPolicyFile     = setting{"policy-file", "JSON file holding a session policy that limits the session", false}
	sMFASerial      = setting{"mfa-serial", "MFA device ARN or serial the role requires", false}
	sMFAToken       = setting{"mfa-token", "current MFA code (6 digits)", false}
	sMFAProcess     = setting{"mfa-process", "command that prints the MFA code (run only when STS is called)", false}
	sCache          = setting{"cache", "credentials cache: auto (default), file, none, or keyring:NAME (keyctl, secret-service, kwallet, keychain, wincred, pass, file)", false}
	sRefreshWindow  = setting{"refresh-window", "refresh cached credentials once less than this remains (default 15m, at most half the session)", false}
)

// roleSettings are the role flags of process (and later env, exec, configure).
var roleSettings = []setting{sRoleARN, sExternalID, sSessionName, sDuration, sRegion, sSource,
	sTag, sTransitiveTag, sSourceIdentity, sPolicyARN, sPolicyFile, sMFASerial, sMFAToken, sMFAProcess,
	sCache, sRefreshWindow}

func roleFlags() []cli.Flag {
	var fs []cli.Flag
	for _, s := range roleSettings {
		usage := fmt.Sprintf("%s [$%s, profile key %s]", s.usage, s.env(), s.key())
		if s.list {
			fs = append(fs, &cli.StringSliceFlag{Name: s.flag, Usage: usage})
			continue
		}
		fs = append(fs, &cli.StringFlag{Name: s.flag, Usage: usage})
	}
	return fs
}

// origin says where a value came from, for errors and --debug.
type origin string

// lookup resolves one setting with precedence flag > XROLE_* > profile key.
// keys is the profile (nil when there is none). The command's own hop reads
// flags and variables; a profile that a chain refers to has only its keys.
type lookup struct {
	c       *cli.Context    // nil: no flags
	set     map[string]bool // the flags given on the command line (of c)
	useEnv  bool            // read XROLE_* variables
	getenv  func(string) string
	keys    map[string]string
	profile string
}

// flagsSet lists the flags given to a command once: urfave/cli's IsSet
// walks every flag's names on each call, which the warm path cannot afford
// for each setting.
func flagsSet(c *cli.Context) map[string]bool {
	set := map[string]bool{}
	for _, n := range c.LocalFlagNames() {
		set[n] = true
	}
	return set
}

// commandLookup reads a command's flags, then XROLE_* variables, then the
// profile's keys (nil: no profile).
func commandLookup(c *cli.Context, getenv func(string) string, keys map[string]string, profile string) lookup {
	return lookup{c: c, set: flagsSet(c), useEnv: true, getenv: getenv, keys: keys, profile: profile}
}

func (l lookup) isSet(s setting) bool { return l.set[s.flag] }

func (l lookup) get(s setting) (string, origin) {
	if l.isSet(s) {
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

// getList resolves a repeatable setting: the flags, else the variable or
// the profile key as a comma-separated list.
func (l lookup) getList(s setting) ([]string, origin) {
	if l.isSet(s) {
		return l.c.StringSlice(s.flag), origin("--" + s.flag)
	}
	v, from := l.get(s)
	if v == "" {
		return nil, ""
	}
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out, from
}
