package cli

import (
	"fmt"
	"io"
	"strings"
)

// WriteCompletion writes the completion script for shell (bash, zsh, fish).
func WriteCompletion(w io.Writer, shell string) error { return writeCompletion(w, shell) }

// roff escapes text for a man page line.
func roff(s string) string {
	s = strings.NewReplacer(`\`, `\e`, "-", `\-`).Replace(s)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}

// WriteManPage writes xrole(1) in roff, from the command definitions;
// version "" means this binary's own.
func WriteManPage(w io.Writer, version, date string) error {
	v := version
	if v == "" {
		v, _, _ = buildInfo()
	}
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p(`.TH XROLE 1 "%s" "xrole %s" "User Commands"`, date, roff(v))
	p(".SH NAME")
	p(`xrole \- cross\-account AssumeRole credentials from the instance role, for the AWS CLI, SDKs, shells and programs`)
	p(".SH SYNOPSIS")
	p(`.B xrole`)
	p(`[\fB\-\-debug\fR] \fICOMMAND\fR [\fIPROFILE\fR] [\fIflags\fR]`)
	p(".SH DESCRIPTION")
	p(`On an EC2 instance, xrole takes the instance role's credentials from instance metadata (IMDSv2 only),`)
	p(`calls \fBsts:AssumeRole\fR on a role in another account, caches the temporary credentials until they near expiry,`)
	p(`and hands them to the AWS CLI and SDKs (\fBcredential_process\fR), to shells (\fBeval "$(xrole env prod)"\fR)`)
	p(`and to programs (\fBxrole exec\fR). \fBxrole setup\fR creates the IAM side; \fBxrole doctor\fR names what is broken.`)
	p(".PP")
	p(`Flags may stand before or after \fIPROFILE\fR. Settings come from a flag, else an \fBXROLE_*\fR variable,`)
	p(`else an \fBxrole_*\fR key of the profile in the AWS config file, else the default.`)
	p(".SH COMMANDS")
	for _, m := range commands() {
		writeManCommand(p, "xrole "+m.name, m)
		for _, s := range m.subs {
			writeManCommand(p, "xrole "+m.name+" "+s.name, s)
		}
	}
	p(".SH GLOBAL FLAGS")
	for _, f := range globalFlags() {
		p(".TP")
		p(`\fB\-\-%s\fR`, roff(f.name))
		p("%s", roff(f.usage))
	}
	p(".SH PROFILE KEYS")
	p(`In a \fB[profile NAME]\fR section of the AWS config file, next to \fBcredential_process = /path/to/xrole process NAME\fR:`)
	for _, s := range roleSettings {
		p(".TP")
		p(`\fB%s\fR`, roff(s.key()))
		p("%s (flag \\fB\\-\\-%s\\fR, variable \\fB%s\\fR)", roff(s.usage), roff(s.flag), roff(s.env()))
	}
	p(".SH ENVIRONMENT")
	for _, kv := range [][2]string{
		{"XROLE_PROFILE", "the profile when none is named"},
		{"XROLE_DEBUG", "1 or true: explain each step on stderr, never a secret"},
		{"XROLE_LOCK_TIMEOUT", "how long to wait for another xrole refreshing the same credentials (default and maximum 45s)"},
		{"XROLE_KEYRING_PASSWORD", "passphrase of the keyring:file store"},
		{"AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE", "where the profiles are (default ~/.aws/config and ~/.aws/credentials)"},
		{"AWS_EC2_METADATA_SERVICE_ENDPOINT, AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE, AWS_EC2_METADATA_DISABLED", "instance metadata, as the AWS SDKs read them"},
		{"AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL_IAM, AWS_ENDPOINT_URL_EC2", "service endpoints, as the AWS SDKs read them"},
		{"AWS_REGION, AWS_DEFAULT_REGION", "the STS region when neither flag nor profile names one"},
		{"XDG_CACHE_HOME", "the file cache lives in $XDG_CACHE_HOME/xrole (default ~/.cache/xrole)"},
	} {
		p(".TP")
		p(`\fB%s\fR`, roff(kv[0]))
		p("%s", roff(kv[1]))
	}
	p(".SH EXIT STATUS")
	for _, kv := range [][2]string{
		{"0", "success"}, {"1", "unexpected failure"}, {"2", "usage or configuration error"},
		{"3", "base credentials unavailable (instance metadata, source profile, clock)"},
		{"4", "denied by AWS (trust policy, identity policy, external id, MFA)"},
		{"5", "AWS unreachable, throttled or failing after retries; or another xrole held the lock too long"},
		{"127", "xrole exec: the command was not found"},
	} {
		p(".TP")
		p(`\fB%s\fR`, kv[0])
		p("%s", roff(kv[1]))
	}
	p(`xrole exec otherwise exits with the command's status.`)
	p(".SH FILES")
	p(".TP")
	p(`\fB~/.aws/config\fR`)
	p("profiles, with their xrole_* keys")
	p(".TP")
	p(`\fB~/.cache/xrole\fR`)
	p("cached credentials of the file store (mode 700, entries 600) and lock files")
	p(".SH EXAMPLES")
	p(".nf")
	p(`xrole setup \-\-target\-profile prod\-admin \-\-source\-profile ops\-admin \e`)
	p(`    \-\-role\-name deploy \-\-source\-role web \-\-instance\-id i\-0123456789abcdef0 \-\-write\-profile prod`)
	p(`aws sts get\-caller\-identity \-\-profile prod`)
	p(`eval "$(xrole env prod)"`)
	p(`xrole exec prod \-\- terraform plan`)
	p(`xrole doctor prod`)
	p(".fi")
	p(".SH SEE ALSO")
	p(`\fBaws\fR(1)`)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeManCommand(p func(string, ...any), title string, m model) {
	if len(m.subs) > 0 && len(m.flags) == 0 {
		p(".SS %s", roff(title+" "+strings.Join(names(m.subs), "|")))
		p("%s", roff(m.usage))
		return
	}
	p(".SS %s", roff(strings.TrimSpace(title+" "+m.args)))
	p("%s", roff(m.usage))
	if m.description != "" {
		p(".PP")
		p(".nf")
		for _, l := range strings.Split(m.description, "\n") {
			p("%s", roff(l))
		}
		p(".fi")
	}
	for _, f := range m.flags {
		p(".TP")
		if f.value {
			p(`\fB\-\-%s\fR \fIVALUE\fR`, roff(f.name))
		} else {
			p(`\fB\-\-%s\fR`, roff(f.name))
		}
		p("%s", roff(f.usage))
	}
}
