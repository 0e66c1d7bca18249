package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/xrole/xrole/credproc"
)

// Env is everything the commands take from the outside world; main passes
// the real ones, tests their own.
type Env struct {
	Args   []string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	Now    func() time.Time
}

// commandTimeout bounds a whole command: xrole must never hang its caller.
const commandTimeout = 60 * time.Second

// app holds one run's state.
type app struct {
	env   Env
	debug bool
	// mayPrompt: env and exec may ask for an MFA code on a terminal;
	// process never does.
	mayPrompt bool

	imdsOnce sync.Once
	md       *credproc.IMDS
}

func (a *app) debugf(format string, args ...any) {
	if a.debug {
		fmt.Fprintf(a.env.Stderr, "xrole: debug: "+format+"\n", args...)
	}
}

// imds returns the run's one metadata client, so the token is fetched once.
func (a *app) imds() *credproc.IMDS {
	a.imdsOnce.Do(func() {
		g := a.env.Getenv
		a.md = &credproc.IMDS{Endpoint: credproc.IMDSEndpoint{
			URL:      g("AWS_EC2_METADATA_SERVICE_ENDPOINT"),
			IPv6:     strings.EqualFold(g("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"), "ipv6"),
			Disabled: strings.EqualFold(g("AWS_EC2_METADATA_DISABLED"), "true"),
		}}
	})
	return a.md
}

// Main runs xrole and returns its exit code.
func Main(env Env) int {
	a := &app{env: env}
	args := env.Args
	if len(args) == 0 {
		args = []string{"xrole"}
	}
	cliApp := a.cliAppFor(args)
	args = a.permuteArgs(cliApp, args)

	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	err := cliApp.RunContext(ctx, args)
	if err != nil {
		printError(env.Stderr, err)
	}
	return exitCode(err)
}

// permuteArgs lets flags follow the profile name: it finds the command and
// moves its flags in front of its positional arguments.
func (a *app) permuteArgs(app *cli.App, args []string) []string {
	if i := commandArg(args); i > 0 {
		if cmd := app.Command(args[i]); cmd != nil {
			// Descend into subcommands (cache list, cache clear).
			for i+1 < len(args) && len(cmd.Subcommands) > 0 {
				sub := cmd.Command(args[i+1])
				if sub == nil {
					break
				}
				cmd, i = sub, i+1
			}
			out := append([]string{}, args[:i+1]...)
			maxPos := -1
			if cmd.Name == "exec" {
				maxPos = 1 // PROFILE; then the command, left alone
			}
			return append(out, permuteUpTo(args[i+1:], cmd.Flags, maxPos)...)
		}
	}
	return args
}

// commandArg is the index of the command's name in args: the first word
// after the program that is not a flag (global flags are all booleans), or
// -1 when there is none.
func commandArg(args []string) int {
	for i := 1; i < len(args); i++ {
		if !strings.HasPrefix(args[i], "-") {
			return i
		}
	}
	return -1
}

// commandNames are xrole's commands, in help order; command builds one.
var commandNames = []string{"process", "env", "exec", "cache", "configure", "setup", "doctor", "completion", "version"}

func (a *app) command(name string) *cli.Command {
	switch name {
	case "process":
		return a.processCommand()
	case "env":
		return a.envCommand()
	case "exec":
		return a.execCommand()
	case "cache":
		return a.cacheCommand()
	case "configure":
		return a.configureCommand()
	case "setup":
		return a.setupCommand()
	case "doctor":
		return a.doctorCommand()
	case "completion":
		return a.completionCommand()
	case "version":
		return versionCommand()
	}
	return nil
}

// cliAppFor builds the app with only the command args name, when they name
// one: the warm path of `xrole process` then builds one command's flags,
// not every command's. Help and mistakes get the whole app.
func (a *app) cliAppFor(args []string) *cli.App {
	if i := commandArg(args); i > 0 {
		if c := a.command(args[i]); c != nil {
			return a.newApp([]*cli.Command{c})
		}
	}
	return a.cliApp()
}

func (a *app) cliApp() *cli.App {
	var cmds []*cli.Command
	for _, n := range commandNames {
		cmds = append(cmds, a.command(n))
	}
	return a.newApp(cmds)
}

func (a *app) newApp(cmds []*cli.Command) *cli.App {
	onUsage := func(_ *cli.Context, err error, _ bool) error { return usageError{err} }
	var setUsage func([]*cli.Command)
	setUsage = func(cs []*cli.Command) {
		for _, c := range cs {
			c.OnUsageError = onUsage
			setUsage(c.Subcommands)
		}
	}
	setUsage(cmds)
	return &cli.App{
		Name:                 "xrole",
		Usage:                "cross-account AssumeRole credentials from the instance role, for the AWS CLI, SDKs, shells and programs",
		Writer:               a.env.Stdout,
		ErrWriter:            a.env.Stderr,
		Reader:               a.env.Stdin,
		HideHelpCommand:      true,
		HideVersion:          true, // --version is ours: the same lines as xrole version
		EnableBashCompletion: false,
		OnUsageError:         onUsage,
		// Never let urfave/cli call os.Exit: Main decides the exit code.
		ExitErrHandler: func(*cli.Context, error) {},
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "debug", Usage: "explain each step on stderr (never prints secrets) [$XROLE_DEBUG]"},
			&cli.BoolFlag{Name: "version", Usage: "print version, commit, build date and Go version"},
		},
		Before: func(c *cli.Context) error {
			a.debug = c.Bool("debug") || a.env.Getenv("XROLE_DEBUG") == "1" || strings.EqualFold(a.env.Getenv("XROLE_DEBUG"), "true")
			return nil
		},
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usagef("unknown command %q (see xrole --help)", c.Args().First())
			}
			if c.Bool("version") {
				return printVersion(c.App.Writer)
			}
			return cli.ShowAppHelp(c)
		},
		Commands: cmds,
	}
}

// profileArg returns the single optional PROFILE argument, or XROLE_PROFILE.
func (a *app) profileArg(c *cli.Context) (string, error) {
	switch c.NArg() {
	case 0:
		return a.env.Getenv("XROLE_PROFILE"), nil
	case 1:
		return c.Args().First(), nil
	default:
		return "", usagef("%s takes at most one PROFILE, got %q", c.Command.Name, c.Args().Slice())
	}
}
