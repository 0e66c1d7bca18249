// Package setup creates the IAM side of cross-account role assumption from
// instances: the target role and its trust policy, the source role's
// permission to assume it, the instance profile and its association.
//
// A Plan is made from reads alone; Apply then makes only the changes the
// plan lists. Both are conservative: existing policies are merged, never
// replaced, and nothing is ever deleted, so a second run finds nothing to do.
package setup

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Names of the inline policies setup writes.
const (
	AssumePolicyName     = "xrole-assume"      // on the source role
	PermissionPolicyName = "xrole-permissions" // on the target role, from --policy-file
)

// Options is what to set up.
type Options struct {
	RoleName           string        // target role
	SourceRole         string        // name or ARN of the role in the source account
	PolicyARNs         []string      // managed policies to attach to the target role
	PolicyDocument     string        // inline permission policy for the target role
	ExternalID         string        // "" to keep the one in place, or generate one
	MaxSession         time.Duration // 0: AWS's default on create, unchanged after
	CreateInstanceRole bool
	InstanceProfile    string // default: the source role's name
	InstanceID         string
	Description        string
}

// Side is one account, acting with its own credentials.
type Side struct {
	Name string // "source" or "target"
	IAM  *iam.Client
	STS  *sts.Client
	EC2  *EC2 // source side, only needed with an instance id

	Account string // from sts:GetCallerIdentity
	Caller  string // the caller's ARN
}

// Verb says what an action does.
type Verb string

const (
	Create    Verb = "create"
	Update    Verb = "update"
	Unchanged Verb = "unchanged"
)

// Action is one line of a plan.
type Action struct {
	Verb Verb
	Side *Side
	What string // "role deploy", "inline policy xrole-assume on role web"
	Doc  string // the policy document it writes (or holds), indented JSON
	Note string // one more line for the reader, such as what stays as it is

	apply func(ctx context.Context) error
}

// Plan is what setup would do, from the current state of both accounts.
type Plan struct {
	Actions             []Action
	SourceRoleARN       string
	TargetRoleARN       string
	InstanceProfileARN  string
	ExternalID          string
	ExternalIDGenerated bool
}

// Changes counts the actions that write.
func (p *Plan) Changes() int {
	n := 0
	for _, a := range p.Actions {
		if a.Verb != Unchanged {
			n++
		}
	}
	return n
}

// Apply makes the plan's changes in order, calling done after each.
func (p *Plan) Apply(ctx context.Context, done func(Action)) error {
	for _, a := range p.Actions {
		if a.Verb == Unchanged {
			continue
		}
		if err := a.apply(ctx); err != nil {
			return err
		}
		if done != nil {
			done(a)
		}
	}
	return nil
}

// planner reads both sides and collects actions.
type planner struct {
	o              Options
	source, target *Side
	plan           *Plan
	// sourceRoleNew: the source role is created by this plan, so reads of
	// what hangs on it are skipped.
	sourceRoleNew bool
	targetRoleNew bool
	profileNew    bool
}

// MakePlan reads the current state of both accounts (read calls only) and
// returns what Apply would change.
func MakePlan(ctx context.Context, o Options, source, target *Side) (*Plan, error) {
	for _, s := range []*Side{source, target} {
		if err := s.identify(ctx); err != nil {
			return nil, err
		}
	}
	p := &planner{o: o, source: source, target: target, plan: &Plan{}}
	if err := p.sourceRole(ctx); err != nil {
		return nil, err
	}
	p.plan.TargetRoleARN = fmt.Sprintf("arn:%s:iam::%s:role/%s", partition(target.Caller), target.Account, o.RoleName)
	steps := []func(context.Context) error{p.targetRole, p.targetPolicies, p.assumePolicy, p.instanceProfile, p.association}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return nil, err
		}
	}
	return p.plan, nil
}

func (s *Side) identify(ctx context.Context) error {
	out, err := s.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return s.fail("sts:GetCallerIdentity", "", err)
	}
	s.Account, s.Caller = aws.ToString(out.Account), aws.ToString(out.Arn)
	return nil
}

func (p *planner) add(a Action) { p.plan.Actions = append(p.plan.Actions, a) }

// sourceRole finds (or plans to create) the role in the source account.
func (p *planner) sourceRole(ctx context.Context) error {
	name := p.o.SourceRole
	if strings.HasPrefix(name, "arn:") {
		parts := strings.SplitN(name, ":", 6)
		if len(parts) != 6 || !strings.HasPrefix(parts[5], "role/") {
			return usage("--source-role %q is not a role ARN", name)
		}
		if parts[4] != p.source.Account {
			return usage("--source-role %s is in account %s, but --source-profile acts in account %s", name, parts[4], p.source.Account)
		}
		name = path.Base(parts[5])
	}
	s := p.source
	role, err := getRole(ctx, s, name)
	if err != nil {
		return err
	}
	if role == nil {
		if !p.o.CreateInstanceRole {
			return usage("role %s does not exist in the source account %s", name, s.Account).
				WithHint("pass --create-instance-role to create it as an instance role, or name an existing role with --source-role")
		}
		doc, _, _ := MergeEC2Trust("")
		p.sourceRoleNew = true
		p.plan.SourceRoleARN = fmt.Sprintf("arn:%s:iam::%s:role/%s", partition(s.Caller), s.Account, name)
		p.add(Action{Verb: Create, Side: s, What: "instance role " + name + " trusted by ec2.amazonaws.com", Doc: doc,
			apply: func(ctx context.Context) error {
				_, err := s.IAM.CreateRole(ctx, &iam.CreateRoleInput{
					RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(doc),
					Description: aws.String("Instance role created by xrole setup"),
				})
				return s.fail("iam:CreateRole", "role/"+name, err)
			}})
		return nil
	}
	p.plan.SourceRoleARN = aws.ToString(role.Arn)
	if !p.o.CreateInstanceRole {
		p.add(Action{Verb: Unchanged, Side: s, What: "role " + name})
		return nil
	}
	doc, changed, err := MergeEC2Trust(aws.ToString(role.AssumeRolePolicyDocument))
	if err != nil {
		return fmt.Errorf("source role %s trust policy: %w", name, err)
	}
	p.add(trustPolicy(s, name, "instance role "+name+" trusted by ec2.amazonaws.com", doc, changed, "ec2.amazonaws.com added; the other statements stay"))
	return nil
}

// trustPolicy is the action that updates an existing role's trust policy
// to doc when the merge changed it (with note), else unchanged.
func trustPolicy(side *Side, role, what, doc string, changed bool, note string) Action {
	a := Action{Verb: Unchanged, Side: side, What: what, Doc: doc}
	if !changed {
		return a
	}
	a.Verb, a.Note = Update, note
	a.apply = func(ctx context.Context) error {
		_, err := side.IAM.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String(role), PolicyDocument: aws.String(doc)})
		return side.fail("iam:UpdateAssumeRolePolicy", "role/"+role, err)
	}
	return a
}

func (p *planner) sourceRoleName() string { return path.Base(p.plan.SourceRoleARN) }

// targetRole creates the role or merges the source into its trust policy.
func (p *planner) targetRole(ctx context.Context) error {
	t, name := p.target, p.o.RoleName
	role, err := getRole(ctx, t, name)
	if err != nil {
		return err
	}
	var current string
	if role != nil {
		current = aws.ToString(role.AssumeRolePolicyDocument)
	}
	ext := p.o.ExternalID
	if ext == "" {
		if ext, err = ExistingExternalID(current, p.plan.SourceRoleARN); err != nil {
			return fmt.Errorf("target role %s trust policy: %w", name, err)
		}
	}
	if ext == "" {
		ext = NewExternalID()
		p.plan.ExternalIDGenerated = true
	}
	p.plan.ExternalID = ext
	doc, changed, err := MergeTrust(current, p.plan.SourceRoleARN, ext)
	if err != nil {
		return fmt.Errorf("target role %s trust policy: %w", name, err)
	}
	maxSession := int32(p.o.MaxSession / time.Second)
	if role == nil {
		what := "role " + name
		if maxSession > 0 {
			what += fmt.Sprintf(" (max session %s)", p.o.MaxSession)
		}
		p.targetRoleNew = true
		desc := p.o.Description
		if desc == "" {
			desc = "Assumed through xrole by " + p.plan.SourceRoleARN
		}
		p.add(Action{Verb: Create, Side: t, What: what, Note: "trust policy below", Doc: doc, apply: func(ctx context.Context) error {
			in := &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(doc), Description: aws.String(desc)}
			if maxSession > 0 {
				in.MaxSessionDuration = aws.Int32(maxSession)
			}
			_, err := t.IAM.CreateRole(ctx, in)
			return t.fail("iam:CreateRole", "role/"+name, err)
		}})
		return nil
	}
	p.add(trustPolicy(t, name, "trust policy of role "+name, doc, changed, "merged: the statements already there stay as they are"))
	if maxSession > 0 {
		cur := aws.ToInt32(role.MaxSessionDuration)
		a := Action{Verb: Unchanged, Side: t, What: fmt.Sprintf("max session duration of role %s: %s", name, p.o.MaxSession)}
		if cur != maxSession {
			a.Verb, a.Note = Update, fmt.Sprintf("was %s", time.Duration(cur)*time.Second)
			a.apply = func(ctx context.Context) error {
				_, err := t.IAM.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: aws.String(name), MaxSessionDuration: aws.Int32(maxSession)})
				return t.fail("iam:UpdateRole", "role/"+name, err)
			}
		}
		p.add(a)
	}
	return nil
}

// targetPolicies attaches the managed policies and puts the inline one.
func (p *planner) targetPolicies(ctx context.Context) error {
	t, name := p.target, p.o.RoleName
	roleExists := !p.targetRoleNew
	var attached []string
	if roleExists && len(p.o.PolicyARNs) > 0 {
		// Pages by hand: the SDK's paginator takes the client as an
		// interface, which keeps every IAM operation in the binary (3.5 MB).
		in := &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(name)}
		for {
			out, err := t.IAM.ListAttachedRolePolicies(ctx, in)
			if err != nil {
				return t.fail("iam:ListAttachedRolePolicies", "role/"+name, err)
			}
			for _, ap := range out.AttachedPolicies {
				attached = append(attached, aws.ToString(ap.PolicyArn))
			}
			if !out.IsTruncated || out.Marker == nil {
				break
			}
			in.Marker = out.Marker
		}
	}
	for _, arn := range p.o.PolicyARNs {
		a := Action{Verb: Unchanged, Side: t, What: fmt.Sprintf("managed policy %s attached to role %s", arn, name)}
		if !slices.Contains(attached, arn) {
			a.Verb = Create
			a.apply = func(ctx context.Context) error {
				_, err := t.IAM.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(name), PolicyArn: aws.String(arn)})
				return t.fail("iam:AttachRolePolicy", "role/"+name, err)
			}
		}
		p.add(a)
	}
	if p.o.PolicyDocument == "" {
		return nil
	}
	var current string
	if roleExists {
		var err error
		if current, err = getRolePolicy(ctx, t, name, PermissionPolicyName); err != nil {
			return err
		}
	}
	doc := p.o.PolicyDocument
	changed := current == "" || !SamePolicy(current, doc)
	p.add(inlinePolicy(t, name, PermissionPolicyName, current, doc, changed, "replaces the earlier --policy-file of this role"))
	return nil
}

// inlinePolicy is the action that puts an inline policy on a role: create
// when there is none, update (with note) when it changes, else unchanged.
func inlinePolicy(side *Side, role, policy, current, doc string, changed bool, note string) Action {
	a := Action{Verb: Unchanged, Side: side, What: fmt.Sprintf("inline policy %s on role %s", policy, role), Doc: doc}
	if !changed {
		return a
	}
	a.Verb = Create
	if current != "" {
		a.Verb, a.Note = Update, note
	}
	a.apply = func(ctx context.Context) error {
		_, err := side.IAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(policy), PolicyDocument: aws.String(doc)})
		return side.fail("iam:PutRolePolicy", "role/"+role, err)
	}
	return a
}

// assumePolicy lets the source role assume the target role.
func (p *planner) assumePolicy(ctx context.Context) error {
	s, role := p.source, p.sourceRoleName()
	var current string
	if !p.sourceRoleNew {
		var err error
		if current, err = getRolePolicy(ctx, s, role, AssumePolicyName); err != nil {
			return err
		}
	}
	doc, changed, err := MergeAssume(current, p.plan.TargetRoleARN)
	if err != nil {
		return fmt.Errorf("inline policy %s on role %s: %w", AssumePolicyName, role, err)
	}
	p.add(inlinePolicy(s, role, AssumePolicyName, current, doc, changed, "the target role joins the roles already allowed"))
	return nil
}

// instanceProfile makes sure an instance profile holds the source role.
func (p *planner) instanceProfile(ctx context.Context) error {
	s, role := p.source, p.sourceRoleName()
	name := p.o.InstanceProfile
	if name == "" {
		name = role
	}
	out, err := s.IAM.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String(name)})
	if err != nil && !notFound(err) {
		return s.fail("iam:GetInstanceProfile", "instance-profile/"+name, err)
	}
	if err != nil {
		p.profileNew = true
		p.plan.InstanceProfileARN = fmt.Sprintf("arn:%s:iam::%s:instance-profile/%s", partition(s.Caller), s.Account, name)
		p.add(Action{Verb: Create, Side: s, What: fmt.Sprintf("instance profile %s holding role %s", name, role), apply: func(ctx context.Context) error {
			if _, err := s.IAM.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String(name)}); err != nil {
				return s.fail("iam:CreateInstanceProfile", "instance-profile/"+name, err)
			}
			_, err := s.IAM.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String(name), RoleName: aws.String(role)})
			return s.fail("iam:AddRoleToInstanceProfile", "instance-profile/"+name, err)
		}})
		return nil
	}
	ip := out.InstanceProfile
	p.plan.InstanceProfileARN = aws.ToString(ip.Arn)
	a := Action{Verb: Unchanged, Side: s, What: fmt.Sprintf("instance profile %s holding role %s", name, role)}
	switch {
	case len(ip.Roles) == 0:
		a.Verb = Update
		a.apply = func(ctx context.Context) error {
			_, err := s.IAM.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String(name), RoleName: aws.String(role)})
			return s.fail("iam:AddRoleToInstanceProfile", "instance-profile/"+name, err)
		}
	case !slices.ContainsFunc(ip.Roles, func(r iamtypes.Role) bool { return aws.ToString(r.RoleName) == role }):
		return usage("instance profile %s in the source account holds role %s; an instance profile holds one role", name, aws.ToString(ip.Roles[0].RoleName)).
			WithHint("name another instance profile with --instance-profile")
	}
	p.add(a)
	return nil
}

// association attaches the instance profile to the instance.
func (p *planner) association(ctx context.Context) error {
	id := p.o.InstanceID
	if id == "" {
		return nil
	}
	s, profileARN := p.source, p.plan.InstanceProfileARN
	profileName := path.Base(profileARN)
	assocs, err := s.EC2.Associations(ctx, id)
	if err != nil {
		return s.fail("ec2:DescribeIamInstanceProfileAssociations", "instance/"+id, err)
	}
	what := fmt.Sprintf("instance %s uses instance profile %s", id, profileName)
	switch {
	case len(assocs) == 0:
		p.add(Action{Verb: Create, Side: s, What: what, apply: func(ctx context.Context) error {
			return p.retryNewProfile(ctx, func() error {
				return s.fail("ec2:AssociateIamInstanceProfile", "instance/"+id, s.EC2.Associate(ctx, id, profileName))
			})
		}})
	case path.Base(assocs[0].ProfileARN) == profileName:
		p.add(Action{Verb: Unchanged, Side: s, What: what})
	default:
		old, assoc := path.Base(assocs[0].ProfileARN), assocs[0].ID
		p.add(Action{Verb: Update, Side: s, What: what, Note: "replaces " + old + " (" + assoc + ")", apply: func(ctx context.Context) error {
			return p.retryNewProfile(ctx, func() error {
				return s.fail("ec2:ReplaceIamInstanceProfileAssociation", "instance/"+id, s.EC2.Replace(ctx, assoc, profileName))
			})
		}})
	}
	return nil
}

// retryNewProfile retries call for a while when the instance profile was
// created moments ago: EC2 learns of new IAM instance profiles late and
// answers InvalidParameterValue meanwhile.
func (p *planner) retryNewProfile(ctx context.Context, call func() error) error {
	err := call()
	for wait := time.Second; err != nil && p.profileNew && wait <= 8*time.Second && strings.Contains(err.Error(), "InvalidParameterValue"); wait *= 2 {
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		err = call()
	}
	return err
}

func getRole(ctx context.Context, s *Side, name string) (*iamtypes.Role, error) {
	out, err := s.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, s.fail("iam:GetRole", "role/"+name, err)
	}
	return out.Role, nil
}

// getRolePolicy returns an inline policy's document, "" when there is none.
func getRolePolicy(ctx context.Context, s *Side, role, policy string) (string, error) {
	out, err := s.IAM.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(policy)})
	if notFound(err) {
		return "", nil
	}
	if err != nil {
		return "", s.fail("iam:GetRolePolicy", "role/"+role, err)
	}
	return aws.ToString(out.PolicyDocument), nil
}

func notFound(err error) bool {
	var nse *iamtypes.NoSuchEntityException
	return errors.As(err, &nse)
}

// partition returns the partition of an ARN ("aws" when unknown).
func partition(arn string) string {
	parts := strings.SplitN(arn, ":", 3)
	if len(parts) == 3 && parts[1] != "" {
		return parts[1]
	}
	return "aws"
}

// NewExternalID returns a random external id: 32 hex digits.
func NewExternalID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
