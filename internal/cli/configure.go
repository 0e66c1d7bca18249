package cli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/xrole/xrole/credproc"
	"github.com/xrole/xrole/internal/awsconfig"
)

func (a *app) configureCommand() *cli.Command {
	return &cli.Command{
		Name:      "configure",
		Usage:     "write [profile PROFILE] into the AWS config file: credential_process running this xrole, and the xrole_* keys of the flags given",
		ArgsUsage: "PROFILE",
		Flags:     roleFlags(),
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("configure takes one PROFILE, got %d arguments", c.NArg())
			}
			name := c.Args().First()
			if c.IsSet(sMFAToken.flag) {
				return usagef("--mfa-token is not stored: an MFA code changes every 30 seconds (use --mfa-process)")
			}
			keys := []awsconfig.KV{}
			for _, s := range roleSettings {
				if !c.IsSet(s.flag) {
					continue
				}
				v := c.String(s.flag)
				if s.list {
					v = strings.Join(c.StringSlice(s.flag), ",")
				}
				key := s.key()
				switch s {
				case sRegion:
					key = "region" // the AWS CLI's own key: it needs the region too
				case sPolicyFile:
					if abs, err := filepath.Abs(expandHome(v, a.env.Getenv)); err == nil {
						v = abs // credential_process may run from any directory
					}
				}
				keys = append(keys, awsconfig.KV{Key: key, Value: v})
			}
			return a.writeProfile(name, keys)
		},
	}
}

// writeProfile sets credential_process and keys in profile name, after
// checking that the resulting profile resolves; it reports what changed on
// stdout and warns about static keys that would shadow credential_process.
func (a *app) writeProfile(name string, keys []awsconfig.KV) error {
	if !validProfileName(name) {
		return usagef("profile name %q: use letters, digits and -_.@+ only", name)
	}
	self, err := a.selfPath()
	if err != nil {
		return err
	}
	keys = append([]awsconfig.KV{{Key: "credential_process", Value: quoteArg(self) + " process " + quoteArg(name)}}, keys...)
	cfgPath, credsPath := awsconfig.Paths(a.env.Getenv)
	edit, err := awsconfig.EditProfile(cfgPath, name, keys)
	if err != nil {
		return credproc.Errorf(credproc.KindConfig, "AWS config file: %v", err)
	}
	// The profile as it will be must resolve: a role ARN, valid settings,
	// a source that exists.
	f, err := awsconfig.Parse(edit.Path, edit.Data)
	if err != nil {
		return credproc.Errorf(credproc.KindConfig, "AWS config file: %v", err)
	}
	r := &resolver{getenv: a.env.Getenv, config: f, credsPath: credsPath}
	pk, _ := f.ConfigProfile(name)
	if _, err := r.hop(lookup{getenv: a.env.Getenv, keys: pk, profile: name}, []string{name}); err != nil {
		return fmt.Errorf("not written: %w", err)
	}
	if err := edit.Write(); err != nil {
		return credproc.Errorf(credproc.KindConfig, "write %s: %v", edit.Path, err)
	}
	if len(edit.Changed) == 0 {
		fmt.Fprintf(a.env.Stdout, "[%s] in %s is up to date\n", sectionName(name), edit.Path)
	} else {
		fmt.Fprintf(a.env.Stdout, "wrote [%s] in %s: %s\n", sectionName(name), edit.Path, strings.Join(edit.Changed, ", "))
	}
	a.warnShadowing(r, name, pk)
	return nil
}

func sectionName(name string) string {
	if name == "default" {
		return name
	}
	return "profile " + name
}

func validProfileName(s string) bool {
	return s != "" && len(s) <= 128 && charsOK(s, "-_.@+")
}

func charsOK(s, extra string) bool {
	for _, c := range s {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.ContainsRune(extra, c)) {
			return false
		}
	}
	return true
}

// warnShadowing warns when static keys for the profile would be used
// before its credential_process: the AWS CLI and SDKs take
// aws_access_key_id from the credentials file (or the profile) first.
func (a *app) warnShadowing(r *resolver, name string, keys map[string]string) {
	if keys["aws_access_key_id"] != "" {
		fmt.Fprintf(a.env.Stderr, "xrole: warning: [%s] in %s also has aws_access_key_id, which the AWS CLI and SDKs use instead of credential_process; remove it\n", sectionName(name), r.config.Path)
	}
	creds, err := awsconfig.Load(r.credsPath)
	if err != nil {
		fmt.Fprintf(a.env.Stderr, "xrole: warning: cannot read %s to check for static keys: %v\n", r.credsPath, err)
		return
	}
	if s, ok := creds.CredentialsProfile(name); ok && s["aws_access_key_id"] != "" {
		fmt.Fprintf(a.env.Stderr, "xrole: warning: [%s] in %s has static keys, which the AWS CLI and SDKs use instead of credential_process; remove that section\n", name, r.credsPath)
	}
}

// selfPath is the absolute path of the running xrole as the user reaches
// it: through PATH or the path typed (a symlink such as /usr/local/bin/xrole
// stays, so that upgrades behind it keep working), else the executable.
func (a *app) selfPath() (string, error) {
	arg0 := ""
	if len(a.env.Args) > 0 {
		arg0 = a.env.Args[0]
	}
	if strings.ContainsRune(arg0, os.PathSeparator) {
		if abs, err := filepath.Abs(arg0); err == nil {
			if _, err := os.Stat(abs); err == nil {
				return abs, nil
			}
		}
	} else if arg0 != "" {
		if p, err := lookPath(arg0, a.env.Getenv("PATH")); err == nil {
			return p, nil
		}
	}
	p, err := os.Executable()
	if err != nil {
		return "", credproc.Errorf(credproc.KindUnexpected, "cannot find the path of the xrole binary: %v", err)
	}
	return p, nil
}

// lookPath finds an executable in path (the PATH of the command's environment).
func lookPath(name, path string) (string, error) {
	for _, dir := range filepath.SplitList(path) {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			if !filepath.IsAbs(p) {
				return filepath.Abs(p)
			}
			return p, nil
		}
	}
	return "", exec.ErrNotFound
}

// quoteArg quotes one word of a credential_process line. The AWS CLI splits
// the line like a POSIX shell and the Go SDK runs it with sh -c, so a
// single-quoted word works for both; Windows takes double quotes.
func quoteArg(s string) string {
	if s != "" && charsOK(s, "-_./@%+=:,") {
		return s
	}
	if runtime.GOOS == "windows" {
		return `"` + s + `"`
	}
	return shQuote(s)
}
