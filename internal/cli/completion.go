package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"
)

// The shell completions and the man page are generated from the command
// definitions below, so that a new command or flag shows up in all of
// them. `xrole completion SHELL` prints a script; the release build
// writes them all with internal/cmd/gendocs.

// model is what completion and the man page need of a command.
type model struct {
	name, usage, args, description string
	flags                          []flagModel
	subs                           []model
	profileArg                     bool // takes PROFILE
}

type flagModel struct {
	name, usage string
	value       bool // takes a value
}

// commands returns the models of xrole's commands, from the CLI definition.
func commands() []model {
	a := &app{env: Env{Getenv: func(string) string { return "" }}}
	var out []model
	for _, c := range a.cliApp().Commands {
		out = append(out, commandModel(c))
	}
	return out
}

// globalFlags are xrole's own flags, before any command.
func globalFlags() []flagModel {
	a := &app{env: Env{Getenv: func(string) string { return "" }}}
	return flagModels(a.cliApp().Flags)
}

func commandModel(c *cli.Command) model {
	m := model{name: c.Name, usage: c.Usage, args: c.ArgsUsage, description: c.Description, flags: flagModels(c.Flags)}
	m.profileArg = strings.Contains(c.ArgsUsage, "PROFILE")
	for _, s := range c.Subcommands {
		m.subs = append(m.subs, commandModel(s))
	}
	return m
}

func flagModels(fs []cli.Flag) []flagModel {
	var out []flagModel
	for _, f := range fs {
		_, isBool := f.(*cli.BoolFlag)
		usage := ""
		if d, ok := f.(cli.DocGenerationFlag); ok {
			usage = d.GetUsage()
		}
		out = append(out, flagModel{name: f.Names()[0], usage: usage, value: !isBool})
	}
	return out
}

// valueWords are the fixed choices of a flag's value, for completion.
func valueWords(flag string) string {
	switch flag {
	case "format":
		return "sh fish powershell cmd dotenv json"
	case "cache":
		return "auto file none keyring:keyctl keyring:secret-service keyring:kwallet keyring:pass keyring:file keyring:keychain keyring:wincred"
	}
	return ""
}

// flagKind says how a flag's value completes: "words", "file", "profile",
// "source" (imds, env, profile:NAME) or "" (free text).
func flagKind(flag string) string {
	switch {
	case valueWords(flag) != "":
		return "words"
	case flag == "policy-file":
		return "file"
	case flag == "source":
		return "source"
	case strings.HasSuffix(flag, "-profile"):
		return "profile"
	}
	return ""
}

// short is a usage line without the [$VAR, profile key] suffix, for the
// one-line descriptions of completion menus.
func short(usage string) string {
	if i := strings.Index(usage, " [$"); i >= 0 {
		usage = usage[:i]
	}
	return usage
}

// profilesSed prints the profile names of an AWS config file.
const profilesSed = `sed -n -e 's/^[[:space:]]*\[[[:space:]]*profile[[:space:]][[:space:]]*\([^]]*[^][:space:]]\)[[:space:]]*\].*/\1/p' -e 's/^[[:space:]]*\[[[:space:]]*default[[:space:]]*\].*/default/p'`

func writeCompletion(w io.Writer, shell string) error {
	switch shell {
	case "bash":
		return bashCompletion(w)
	case "zsh":
		return zshCompletion(w)
	case "fish":
		return fishCompletion(w)
	}
	return usagef("completion %q: want bash, zsh or fish", shell)
}

func (a *app) completionCommand() *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print the shell completion script for bash, zsh or fish",
		ArgsUsage: "bash|zsh|fish",
		Description: `bash:  source <(xrole completion bash)      (or save it as /etc/bash_completion.d/xrole)
zsh:   xrole completion zsh > "${fpath[1]}/_xrole"
fish:  xrole completion fish > ~/.config/fish/completions/xrole.fish`,
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("completion takes one shell: bash, zsh or fish")
			}
			var b strings.Builder
			if err := writeCompletion(&b, c.Args().First()); err != nil {
				return err
			}
			_, err := io.WriteString(a.env.Stdout, b.String())
			return err
		},
	}
}

func names(ms []model) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.name)
	}
	return out
}

func flagWords(fs []flagModel, value bool) []string {
	var out []string
	for _, f := range fs {
		if value && !f.value {
			continue
		}
		out = append(out, "--"+f.name)
	}
	return out
}

func bashCompletion(w io.Writer) error {
	cmds := commands()
	var b strings.Builder
	b.WriteString(`# bash completion for xrole (generated from its command definitions)
_xrole_profiles() {
    local f="${AWS_CONFIG_FILE:-$HOME/.aws/config}"
    [ -r "$f" ] && ` + profilesSed + ` "$f"
}

_xrole() {
    local cur prev cmd sub i flags valueflags profiles=0 dashdash=0
    cur="${COMP_WORDS[COMP_CWORD]}"
    prev="${COMP_WORDS[COMP_CWORD-1]}"
    for ((i = 1; i < COMP_CWORD; i++)); do
        case "${COMP_WORDS[i]}" in
            --) dashdash=1 ;;
            -*) ;;
            *) if [ -z "$cmd" ]; then cmd="${COMP_WORDS[i]}"; elif [ -z "$sub" ]; then sub="${COMP_WORDS[i]}"; fi ;;
        esac
    done
    if [ -z "$cmd" ]; then
        COMPREPLY=($(compgen -W "` + strings.Join(append(names(cmds), flagWords(globalFlags(), false)...), " ") + `" -- "$cur"))
        return
    fi
    case "$cmd" in
`)
	for _, m := range cmds {
		if m.name == "completion" {
			b.WriteString("        completion) COMPREPLY=($(compgen -W \"bash zsh fish\" -- \"$cur\")); return ;;\n")
			continue
		}
		fmt.Fprintf(&b, "        %s)\n", m.name)
		if len(m.subs) > 0 {
			fmt.Fprintf(&b, "            if [ -z \"$sub\" ]; then COMPREPLY=($(compgen -W %q -- \"$cur\")); return; fi\n", strings.Join(names(m.subs), " "))
			b.WriteString("            case \"$sub\" in\n")
			for _, s := range m.subs {
				fmt.Fprintf(&b, "                %s) flags=%q; valueflags=%q; profiles=%d ;;\n", s.name,
					strings.Join(flagWords(s.flags, false), " "), strings.Join(flagWords(s.flags, true), " "), boolInt(s.profileArg))
			}
			b.WriteString("            esac ;;\n")
			continue
		}
		fmt.Fprintf(&b, "            flags=%q; valueflags=%q; profiles=%d ;;\n",
			strings.Join(flagWords(m.flags, false), " "), strings.Join(flagWords(m.flags, true), " "), boolInt(m.profileArg))
	}
	b.WriteString(`        *) return ;;
    esac
    if [ "$cmd" = exec ] && [ "$dashdash" = 1 ]; then
        COMPREPLY=($(compgen -c -- "$cur"))
        return
    fi
    case " $valueflags " in
        *" $prev "*)
            case "$prev" in
`)
	kinds := map[string][]string{}
	for _, m := range append(cmds, flattenSubs(cmds)...) {
		for _, f := range m.flags {
			if k := flagKind(f.name); f.value && k != "" && !slices.Contains(kinds[k], "--"+f.name) {
				kinds[k] = append(kinds[k], "--"+f.name)
			}
		}
	}
	for _, f := range []string{"format", "cache"} {
		fmt.Fprintf(&b, "                --%s) COMPREPLY=($(compgen -W %q -- \"$cur\")) ;;\n", f, valueWords(f))
	}
	if fs := kinds["file"]; len(fs) > 0 {
		fmt.Fprintf(&b, "                %s) COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n", strings.Join(fs, "|"))
	}
	if fs := kinds["profile"]; len(fs) > 0 {
		fmt.Fprintf(&b, "                %s) COMPREPLY=($(compgen -W \"$(_xrole_profiles)\" -- \"$cur\")) ;;\n", strings.Join(fs, "|"))
	}
	b.WriteString(`                --source) COMPREPLY=($(compgen -W "imds env $(_xrole_profiles | sed 's/^/profile:/')" -- "$cur")) ;;
            esac
            return ;;
    esac
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$flags --help" -- "$cur"))
    elif [ "$profiles" = 1 ]; then
        COMPREPLY=($(compgen -W "$(_xrole_profiles)" -- "$cur"))
    fi
}
complete -F _xrole xrole
`)
	_, err := io.WriteString(w, b.String())
	return err
}

func flattenSubs(ms []model) []model {
	var out []model
	for _, m := range ms {
		out = append(out, m.subs...)
	}
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// zshDesc makes a description safe inside a single-quoted _arguments spec.
func zshDesc(s string) string {
	r := strings.NewReplacer("'", "", "[", "(", "]", ")", ":", " -", "\\", "")
	return r.Replace(short(s))
}

func zshCompletion(w io.Writer) error {
	cmds := commands()
	var b strings.Builder
	b.WriteString(`#compdef xrole
# zsh completion for xrole (generated from its command definitions)

_xrole_profiles() {
    local f="${AWS_CONFIG_FILE:-$HOME/.aws/config}"
    local -a profiles
    [[ -r $f ]] && profiles=(${(f)"$(` + profilesSed + ` "$f")"})
    _describe -t profiles 'AWS profile' profiles
}

_xrole_sources() {
    local -a sources
    sources=(imds env ${(f)"$(_xrole_profiles_list)"})
    _describe -t sources 'source' sources
}

_xrole_profiles_list() {
    local f="${AWS_CONFIG_FILE:-$HOME/.aws/config}"
    [[ -r $f ]] && ` + profilesSed + ` "$f" | sed 's/^/profile:/'
}

`)
	var specs func(m model) []string
	specs = func(m model) []string {
		var out []string
		for _, f := range m.flags {
			spec := fmt.Sprintf("'--%s[%s]", f.name, zshDesc(f.usage))
			if f.value {
				switch flagKind(f.name) {
				case "words":
					spec += fmt.Sprintf(":%s:(%s)", f.name, valueWords(f.name))
				case "file":
					spec += ":file:_files"
				case "profile":
					spec += ":profile:_xrole_profiles"
				case "source":
					spec += ":source:_xrole_sources"
				default:
					spec += ":" + f.name + ": "
				}
			}
			if slices.Contains([]string{"tag", "transitive-tag", "policy-arn"}, f.name) {
				spec = "'*" + spec[1:]
			}
			out = append(out, spec+"'")
		}
		switch {
		case m.name == "exec":
			out = append(out, "'1:profile:_xrole_profiles'", "'*::command:_normal'")
		case m.profileArg:
			out = append(out, "'1:profile:_xrole_profiles'")
		case m.name == "completion":
			out = append(out, "'1:shell:(bash zsh fish)'")
		}
		return out
	}
	for _, m := range cmds {
		fmt.Fprintf(&b, "_xrole_%s() {\n", m.name)
		if len(m.subs) > 0 {
			b.WriteString("    local -a subs\n    subs=(")
			for _, s := range m.subs {
				fmt.Fprintf(&b, "'%s:%s' ", s.name, zshDesc(s.usage))
			}
			b.WriteString(")\n    if (( CURRENT == 2 )); then _describe -t commands 'subcommand' subs; return; fi\n")
			b.WriteString("    case $words[2] in\n")
			for _, s := range m.subs {
				fmt.Fprintf(&b, "        %s) shift words; (( CURRENT-- )); _arguments -s %s ;;\n", s.name, strings.Join(specs(s), " "))
			}
			b.WriteString("    esac\n}\n\n")
			continue
		}
		fmt.Fprintf(&b, "    _arguments -s %s\n}\n\n", strings.Join(specs(m), " \\\n        "))
	}
	b.WriteString("_xrole() {\n    local -a cmds\n    cmds=(\n")
	for _, m := range cmds {
		fmt.Fprintf(&b, "        '%s:%s'\n", m.name, zshDesc(m.usage))
	}
	b.WriteString("    )\n    local -a globals\n    globals=(")
	for _, f := range globalFlags() {
		fmt.Fprintf(&b, "'--%s[%s]' ", f.name, zshDesc(f.usage))
	}
	b.WriteString(`)
    _arguments -C $globals '1:command:->cmd' '*::arg:->args'
    case $state in
        cmd) _describe -t commands 'xrole command' cmds ;;
        args) (( $+functions[_xrole_$words[1]] )) && _xrole_$words[1] ;;
    esac
}

if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
    _xrole "$@"
else
    compdef _xrole xrole
fi
`)
	_, err := io.WriteString(w, b.String())
	return err
}

func fishCompletion(w io.Writer) error {
	cmds := commands()
	var b strings.Builder
	b.WriteString(`# fish completion for xrole (generated from its command definitions)
function __xrole_profiles
    set -l f $AWS_CONFIG_FILE
    test -n "$f"; or set f ~/.aws/config
    test -r $f; and ` + profilesSed + ` $f
end

complete -c xrole -f
`)
	for _, f := range globalFlags() {
		fmt.Fprintf(&b, "complete -c xrole -n __fish_use_subcommand -l %s -d %s\n", f.name, fishQuote(short(f.usage)))
	}
	flagLine := func(cond string, f flagModel) {
		line := fmt.Sprintf("complete -c xrole -n %s -l %s", fishQuote(cond), f.name)
		if f.value {
			switch flagKind(f.name) {
			case "file":
				line += " -r -F"
			default:
				line += " -x" // a value, and no file names
			}
			switch flagKind(f.name) {
			case "words":
				line += " -a " + fishQuote(valueWords(f.name))
			case "profile":
				line += " -a '(__xrole_profiles)'"
			case "source":
				line += " -a 'imds env (__xrole_profiles | sed \"s/^/profile:/\")'"
			}
		}
		fmt.Fprintf(&b, "%s -d %s\n", line, fishQuote(short(f.usage)))
	}
	for _, m := range cmds {
		fmt.Fprintf(&b, "\ncomplete -c xrole -n __fish_use_subcommand -a %s -d %s\n", m.name, fishQuote(short(m.usage)))
		cond := "__fish_seen_subcommand_from " + m.name
		for _, s := range m.subs {
			fmt.Fprintf(&b, "complete -c xrole -n %s -a %s -d %s\n", fishQuote(cond+"; and not __fish_seen_subcommand_from "+strings.Join(names(m.subs), " ")), s.name, fishQuote(short(s.usage)))
			sc := cond + "; and __fish_seen_subcommand_from " + s.name
			for _, f := range s.flags {
				flagLine(sc, f)
			}
			if s.profileArg {
				fmt.Fprintf(&b, "complete -c xrole -n %s -a '(__xrole_profiles)'\n", fishQuote(sc))
			}
		}
		for _, f := range m.flags {
			flagLine(cond, f)
		}
		switch {
		case m.name == "completion":
			fmt.Fprintf(&b, "complete -c xrole -n %s -a 'bash zsh fish'\n", fishQuote(cond))
		case m.profileArg:
			fmt.Fprintf(&b, "complete -c xrole -n %s -a '(__xrole_profiles)'\n", fishQuote(cond+"; and not contains -- -- (commandline -opc)"))
		}
		if m.name == "exec" {
			fmt.Fprintf(&b, "complete -c xrole -n %s -a '(__fish_complete_subcommand --fcs-skip=3)'\n", fishQuote(cond+"; and contains -- -- (commandline -opc)"))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
