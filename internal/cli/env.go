package cli

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/urfave/cli/v2"

	"github.com/xrole/xrole/credproc"
)

func (a *app) envCommand() *cli.Command {
	flags := append(roleFlags(),
		&cli.StringFlag{Name: "format", Value: "sh", Usage: "sh (bash, zsh, dash, ksh), fish, powershell, cmd, dotenv or json"},
		&cli.BoolFlag{Name: "unset", Usage: "print the commands that remove the variables instead"},
	)
	return &cli.Command{
		Name:      "env",
		Usage:     `print the credentials as environment variables for a shell: eval "$(xrole env PROFILE)"`,
		ArgsUsage: "[PROFILE]",
		Flags:     flags,
		Action: func(c *cli.Context) error {
			format := c.String("format")
			if _, err := script(format, nil, nil); err != nil {
				return err
			}
			profile, err := a.profileArg(c)
			if err != nil {
				return err
			}
			if c.Bool("unset") {
				out, err := script(format, nil, append(append([]string{}, exported...), shadowing...))
				if err != nil {
					return err
				}
				_, err = a.env.Stdout.Write([]byte(out))
				return err
			}
			a.mayPrompt = true
			set, err := a.envVars(c, profile)
			if err != nil {
				return err
			}
			out, err := script(format, set, shadowing)
			if err != nil {
				return err
			}
			_, err = a.env.Stdout.Write([]byte(out)) // one write: all or nothing
			return err
		},
	}
}

// envVars are the variables env and exec set.
func (a *app) envVars(c *cli.Context, profile string) ([]kv, error) {
	creds, h, err := a.cachedCredentials(c.Context, c, profile)
	if err != nil {
		return nil, err
	}
	return credVars(creds, h.role.Region), nil
}

func credVars(c aws.Credentials, region string) []kv {
	set := []kv{{"AWS_ACCESS_KEY_ID", c.AccessKeyID}, {"AWS_SECRET_ACCESS_KEY", c.SecretAccessKey}}
	if c.SessionToken != "" {
		set = append(set, kv{"AWS_SESSION_TOKEN", c.SessionToken})
	}
	if c.CanExpire {
		set = append(set, kv{"AWS_CREDENTIAL_EXPIRATION", c.Expires.UTC().Format(time.RFC3339)})
	}
	if region != "" {
		set = append(set, kv{"AWS_REGION", region}, kv{"AWS_DEFAULT_REGION", region})
	}
	return set
}

// ExitNotFound is a shell's code for a command it cannot find.
const ExitNotFound = 127

// cmdNotFound makes exitCode return 127.
type cmdNotFound struct{ err error }

func (e cmdNotFound) Error() string { return e.err.Error() }
func (e cmdNotFound) Unwrap() error { return e.err }

func (a *app) execCommand() *cli.Command {
	return &cli.Command{
		Name:      "exec",
		Usage:     "run COMMAND with the credentials in its environment",
		ArgsUsage: "[PROFILE] -- COMMAND [ARG...]",
		Flags:     roleFlags(),
		Action: func(c *cli.Context) error {
			args := c.Args().Slice()
			dash := -1
			for i, s := range args {
				if s == "--" {
					dash = i
					break
				}
			}
			var profile string
			var command []string
			switch {
			case dash >= 0:
				command = args[dash+1:]
				args = args[:dash]
			case slices.Contains(a.env.Args, "--"):
				// urfave/cli took a leading "--" as the end of the flags.
				command, args = args, nil
			case len(args) > 0:
				// xrole exec PROFILE CMD...: the first word is the profile.
				command = args[1:]
				args = args[:1]
			}
			if len(command) == 0 {
				return usagef("exec needs a command: xrole exec [PROFILE] -- COMMAND [ARG...]")
			}
			switch len(args) {
			case 0:
				profile = a.env.Getenv("XROLE_PROFILE")
			case 1:
				profile = args[0]
			default:
				return usagef("exec takes at most one PROFILE before --, got %q", args)
			}
			path, err := exec.LookPath(command[0])
			if err != nil {
				if errors.Is(err, fs.ErrPermission) {
					return cmdNotFound{credproc.Errorf(credproc.KindConfig, "%s: permission denied", command[0])}
				}
				return cmdNotFound{credproc.Errorf(credproc.KindConfig, "command not found: %s", command[0])}
			}
			a.mayPrompt = true
			set, err := a.envVars(c, profile)
			if err != nil {
				return err
			}
			return runReplacing(path, command, childEnv(os.Environ(), set))
		},
	}
}

// childEnv is the environment minus the shadowing and exported variables,
// plus set.
func childEnv(environ []string, set []kv) []string {
	drop := map[string]bool{}
	for _, k := range append(append([]string{}, exported...), shadowing...) {
		drop[k] = true
	}
	var out []string
	for _, e := range environ {
		k, _, _ := strings.Cut(e, "=")
		if !drop[k] {
			out = append(out, e)
		}
	}
	for _, e := range set {
		out = append(out, e.k+"="+e.v)
	}
	return out
}
