package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/xrole/xrole/credproc"
	"github.com/xrole/xrole/internal/awsconfig"
	"github.com/xrole/xrole/setup"
)

func (a *app) setupCommand() *cli.Command {
	return &cli.Command{
		Name:  "setup",
		Usage: "create or check the IAM side: the target role and its trust policy, the source role's permission to assume it, the instance profile",
		Description: `Each side acts with its own profile's credentials. setup reads both accounts,
prints the plan (create / update / unchanged, with every policy document),
then makes only those changes. Existing trust policies are merged, never
replaced; nothing is deleted; a second run changes nothing.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "target-profile", Usage: "profile with IAM rights in the target account (where the role is created)"},
			&cli.StringFlag{Name: "source-profile", Usage: "profile with IAM (and EC2) rights in the source account (where the instances run)"},
			&cli.StringFlag{Name: "role-name", Usage: "name of the role in the target account"},
			&cli.StringFlag{Name: "source-role", Usage: "name or ARN of the instance role in the source account"},
			&cli.StringSliceFlag{Name: "policy-arn", Usage: "managed policy to attach to the target role (repeatable)"},
			&cli.StringFlag{Name: "policy-file", Usage: "JSON permission policy put inline on the target role (as " + setup.PermissionPolicyName + ")"},
			&cli.StringFlag{Name: "external-id", Usage: "external id the trust policy requires (default: the one in place, else a new random one)"},
			&cli.StringFlag{Name: "max-session", Usage: "maximum session duration of the target role, 1h..12h"},
			&cli.BoolFlag{Name: "create-instance-role", Usage: "create the source role (trusted by ec2.amazonaws.com) if it does not exist"},
			&cli.StringFlag{Name: "instance-profile", Usage: "name of the instance profile holding the source role (default: the role's name)"},
			&cli.StringFlag{Name: "instance-id", Usage: "associate the instance profile with this instance (replacing another association)"},
			&cli.StringFlag{Name: "region", Usage: "region of the instance (default: the source profile's); also written as the profile's region"},
			&cli.StringFlag{Name: "write-profile", Usage: "write the xrole profile of this name into the AWS config file"},
			&cli.BoolFlag{Name: "dry-run", Usage: "print the plan and change nothing (no write call at all)"},
		},
		Action: a.runSetup,
	}
}

func (a *app) setupOptions(c *cli.Context) (setup.Options, error) {
	o := setup.Options{
		RoleName:           c.String("role-name"),
		SourceRole:         c.String("source-role"),
		PolicyARNs:         c.StringSlice("policy-arn"),
		ExternalID:         c.String("external-id"),
		CreateInstanceRole: c.Bool("create-instance-role"),
		InstanceProfile:    c.String("instance-profile"),
		InstanceID:         c.String("instance-id"),
	}
	if c.NArg() > 0 {
		return o, usagef("setup takes no arguments, got %q", c.Args().Slice())
	}
	for _, f := range []string{"target-profile", "source-profile", "role-name", "source-role"} {
		if c.String(f) == "" {
			return o, usageError{credproc.Errorf(credproc.KindConfig, "setup needs --%s", f).WithHint(
				"xrole setup --target-profile PROFILE --source-profile PROFILE --role-name NAME --source-role NAME_OR_ARN")}
		}
	}
	if !credproc.ValidIAMName(o.RoleName, 64) {
		return o, usagef("--role-name %q: 1 to 64 letters, digits and +=,.@_-", o.RoleName)
	}
	if strings.HasPrefix(o.SourceRole, "arn:") {
		if err := (credproc.Role{ARN: o.SourceRole}).ValidateARN(); err != nil {
			return o, usagef("--source-role %q is not a role ARN", o.SourceRole)
		}
	} else if !credproc.ValidIAMName(o.SourceRole, 64) {
		return o, usagef("--source-role %q: a role name (letters, digits and +=,.@_-) or a role ARN", o.SourceRole)
	}
	for _, arn := range o.PolicyARNs {
		if !credproc.ValidPolicyARN(arn) {
			return o, usagef("--policy-arn %q is not of the form arn:aws:iam::ACCOUNT:policy/NAME", arn)
		}
	}
	if f := c.String("policy-file"); f != "" {
		b, err := os.ReadFile(expandHome(f, a.env.Getenv))
		if err != nil {
			return o, usagef("--policy-file: %v", err)
		}
		if o.PolicyDocument, err = setup.CheckPolicy(b); err != nil {
			return o, usagef("--policy-file %s: %v", f, err)
		}
	}
	if o.ExternalID != "" && !credproc.ValidExternalID(o.ExternalID) {
		return o, usagef("--external-id must be 2 to 1224 characters of letters, digits and +=,.@:/-")
	}
	if s := c.String("max-session"); s != "" {
		d, err := credproc.ParseDuration(s)
		if err != nil {
			return o, usageError{err}
		}
		if d < time.Hour || d > 12*time.Hour || d%time.Second != 0 {
			return o, usagef("--max-session %v: IAM allows 1h to 12h", d)
		}
		o.MaxSession = d
	}
	if o.InstanceProfile != "" && !credproc.ValidIAMName(o.InstanceProfile, 128) {
		return o, usagef("--instance-profile %q: 1 to 128 letters, digits and +=,.@_-", o.InstanceProfile)
	}
	if id := o.InstanceID; id != "" && (!strings.HasPrefix(id, "i-") || len(id) < 10 || len(id) > 19 || !charsOK(id[2:], "")) {
		return o, usagef("--instance-id %q is not an instance id such as i-0123456789abcdef0", id)
	}
	if r := c.String("region"); r != "" && !credproc.ValidRegion(r) {
		return o, usagef("--region %q is not a region name such as eu-west-1", r)
	}
	if n := c.String("write-profile"); c.IsSet("write-profile") && !validProfileName(n) {
		return o, usagef("--write-profile %q: use letters, digits and -_.@+ only", n)
	}
	return o, nil
}

func (a *app) runSetup(c *cli.Context) error {
	o, err := a.setupOptions(c)
	if err != nil {
		return err
	}
	r, err := newResolver(a.env.Getenv)
	if err != nil {
		return err
	}
	ctx := c.Context
	region := c.String("region")
	src, err := a.profileAccount(ctx, r, c.String("source-profile"), region)
	if err != nil {
		return fmt.Errorf("--source-profile: %w", err)
	}
	tgt, err := a.profileAccount(ctx, r, c.String("target-profile"), "")
	if err != nil {
		return fmt.Errorf("--target-profile: %w", err)
	}
	if o.InstanceID != "" && src.region == "" {
		return usagef("--instance-id needs the instance's region: pass --region, or set region in the source profile")
	}
	source := &setup.Side{Name: "source", IAM: src.IAM(), STS: src.STS(), EC2: src.EC2()}
	target := &setup.Side{Name: "target", IAM: tgt.IAM(), STS: tgt.STS()}
	plan, err := setup.MakePlan(ctx, o, source, target)
	if err != nil {
		return err
	}
	out := a.env.Stdout
	fmt.Fprintf(out, "source account %s as %s\ntarget account %s as %s\n\nplan:\n", source.Account, source.Caller, target.Account, target.Caller)
	for _, act := range plan.Actions {
		printAction(out, act)
	}
	if plan.ExternalIDGenerated {
		fmt.Fprintf(out, "\nexternal id (generated): %s\n", plan.ExternalID)
	}
	switch {
	case plan.Changes() == 0:
		fmt.Fprintln(out, "\nno changes: everything is in place")
	case c.Bool("dry-run"):
		fmt.Fprintf(out, "\ndry run: %d changes planned, none made\n", plan.Changes())
	default:
		fmt.Fprintln(out, "\napplying:")
		err := plan.Apply(ctx, func(act setup.Action) {
			fmt.Fprintf(out, "  done %-9s %-6s %s\n", act.Verb, act.Side.Name, act.What)
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%d changes made\n", plan.Changes())
	}
	return a.setupProfile(c, plan, region)
}

func printAction(w io.Writer, act setup.Action) {
	fmt.Fprintf(w, "  %-9s %-6s %s\n", act.Verb, act.Side.Name, act.What)
	if act.Note != "" {
		fmt.Fprintf(w, "                   (%s)\n", act.Note)
	}
	if act.Doc != "" {
		for _, l := range strings.Split(act.Doc, "\n") {
			fmt.Fprintf(w, "                   %s\n", l)
		}
	}
}

// setupProfile prints the xrole profile for the new role, and writes it
// with --write-profile (never in a dry run).
func (a *app) setupProfile(c *cli.Context, plan *setup.Plan, region string) error {
	keys := []awsconfig.KV{{Key: "xrole_role_arn", Value: plan.TargetRoleARN}, {Key: "xrole_external_id", Value: plan.ExternalID}}
	if region != "" {
		keys = append(keys, awsconfig.KV{Key: "region", Value: region})
	}
	name := c.String("write-profile")
	if name == "" || c.Bool("dry-run") {
		shown := name
		if shown == "" {
			shown = c.String("role-name")
		}
		self, _ := a.selfPath()
		fmt.Fprintf(a.env.Stdout, "\nprofile for the AWS config file (written by --write-profile NAME, or xrole configure):\n[%s]\ncredential_process = %s process %s\n", sectionName(shown), quoteArg(self), quoteArg(shown))
		for _, kv := range keys {
			fmt.Fprintf(a.env.Stdout, "%s = %s\n", kv.Key, kv.Value)
		}
		return nil
	}
	fmt.Fprintln(a.env.Stdout)
	return a.writeProfile(name, keys)
}
