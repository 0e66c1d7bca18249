package motoworld

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/xrole/xrole/internal/imdsfake"
)

// Accounts of the two-account world.
const (
	SourceAccount = "111111111111" // where the instances run
	TargetAccount = "222222222222" // where the resources are
	Region        = "eu-west-1"
)

// World is an instance role in the source account allowed to assume a
// target role in the target account, whose trust policy requires an
// external id.
type World struct {
	Name            string // suffix that keeps worlds in one moto apart
	InstanceID      string
	InstanceRole    string
	InstanceRoleARN string
	TargetRole      string
	TargetRoleARN   string
	ExternalID      string
	// Instance holds the instance role's session credentials, as instance
	// metadata hands them out; moto maps them to the source account.
	Instance imdsfake.Creds
}

// Policy is an IAM policy document.
type Policy struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one statement of a Policy; Action, Resource and the
// principal lists are a string or a list of strings in IAM's JSON.
type Statement struct {
	Sid       string                    `json:"Sid,omitempty"`
	Effect    string                    `json:"Effect"`
	Principal any                       `json:"Principal,omitempty"` // "*" or {"AWS": ...}
	Action    any                       `json:"Action"`
	Resource  any                       `json:"Resource,omitempty"`
	Condition map[string]map[string]any `json:"Condition,omitempty"`
}

// JSON renders the policy.
func (p Policy) JSON() string {
	b, _ := json.Marshal(p)
	return string(b)
}

// TrustRole is a trust policy letting principal assume the role, requiring
// externalID when it is not empty.
func TrustRole(principal, externalID string) Policy {
	st := Statement{Effect: "Allow", Principal: map[string]any{"AWS": principal}, Action: "sts:AssumeRole"}
	if externalID != "" {
		st.Condition = map[string]map[string]any{"StringEquals": {"sts:ExternalId": externalID}}
	}
	return Policy{Version: "2012-10-17", Statement: []Statement{st}}
}

// TrustEC2 is the trust policy of an instance role.
func TrustEC2() Policy {
	return Policy{Version: "2012-10-17", Statement: []Statement{{
		Effect: "Allow", Principal: map[string]any{"Service": "ec2.amazonaws.com"}, Action: "sts:AssumeRole",
	}}}
}

// AllowAssume is an identity policy allowing sts:AssumeRole on the given roles.
func AllowAssume(roleARNs ...string) Policy {
	return Policy{Version: "2012-10-17", Statement: []Statement{{
		Effect: "Allow", Action: "sts:AssumeRole", Resource: roleARNs,
	}}}
}

// CreateRole creates a role in account with the given trust policy.
func (m *Moto) CreateRole(ctx context.Context, account, name string, trust Policy) (string, error) {
	out, err := m.IAM(account).CreateRole(ctx, &iam.CreateRoleInput{
		RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust.JSON()),
		MaxSessionDuration: aws.Int32(43200),
	})
	if err != nil {
		return "", fmt.Errorf("create role %s in %s: %w", name, account, err)
	}
	return aws.ToString(out.Role.Arn), nil
}

// PutRolePolicy sets an inline policy on a role.
func (m *Moto) PutRolePolicy(ctx context.Context, account, role, name string, p Policy) error {
	_, err := m.IAM(account).PutRolePolicy(ctx, &iam.PutRolePolicyInput{
		RoleName: aws.String(role), PolicyName: aws.String(name), PolicyDocument: aws.String(p.JSON()),
	})
	if err != nil {
		return fmt.Errorf("put policy %s on %s in %s: %w", name, role, account, err)
	}
	return nil
}

// RoleSession assumes roleARN from account as moto's admin (no trust check:
// this is how the harness plays EC2 handing out instance credentials), and
// registers the session with g so that it can call through the guard.
func (m *Moto) RoleSession(ctx context.Context, g *Guard, account, roleARN, session string) (imdsfake.Creds, error) {
	out, err := m.STS(account).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String(roleARN), RoleSessionName: aws.String(session), DurationSeconds: aws.Int32(21600),
	})
	if err != nil {
		return imdsfake.Creds{}, fmt.Errorf("session for %s: %w", roleARN, err)
	}
	c := out.Credentials
	if g != nil {
		g.Register(aws.ToString(c.AccessKeyId), aws.ToString(out.AssumedRoleUser.Arn))
	}
	return imdsfake.Creds{
		AccessKeyID: aws.ToString(c.AccessKeyId), SecretAccessKey: aws.ToString(c.SecretAccessKey),
		Token: aws.ToString(c.SessionToken), Expiration: aws.ToTime(c.Expiration),
	}, nil
}

// NewWorld builds a two-account world whose names end in name.
func (m *Moto) NewWorld(ctx context.Context, g *Guard, name string) (*World, error) {
	w := &World{
		Name:         name,
		InstanceID:   "i-0a1b2c3d4e5f60718",
		InstanceRole: "web-" + name,
		TargetRole:   "deploy-" + name,
		ExternalID:   "ext-" + name,
	}
	var err error
	if w.InstanceRoleARN, err = m.CreateRole(ctx, SourceAccount, w.InstanceRole, TrustEC2()); err != nil {
		return nil, err
	}
	if w.TargetRoleARN, err = m.CreateRole(ctx, TargetAccount, w.TargetRole, TrustRole(w.InstanceRoleARN, w.ExternalID)); err != nil {
		return nil, err
	}
	if err := m.PutRolePolicy(ctx, SourceAccount, w.InstanceRole, "assume-"+w.TargetRole, AllowAssume(w.TargetRoleARN)); err != nil {
		return nil, err
	}
	if w.Instance, err = m.RoleSession(ctx, g, SourceAccount, w.InstanceRoleARN, w.InstanceID); err != nil {
		return nil, err
	}
	return w, nil
}

// IMDS returns a healthy metadata fake for the world's instance.
func (w *World) IMDS() *imdsfake.Server {
	return imdsfake.New(w.InstanceID, Region, SourceAccount, w.InstanceRole, w.Instance)
}

// Admin is an IAM user with an access key, standing for an operator's
// administrator profile in one account.
type Admin struct {
	ARN, AccessKeyID, SecretAccessKey string
}

// Profile is a section of an AWS credentials file holding the admin's keys.
func (a Admin) Profile(name string) string {
	return fmt.Sprintf("[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n", name, a.AccessKeyID, a.SecretAccessKey)
}

// AdminCredentials is an AWS credentials file with the source and target
// administrators' profiles under the given names.
func (b *Bare) AdminCredentials(source, target string) string {
	return b.SourceAdmin.Profile(source) + "\n" + b.TargetAdmin.Profile(target)
}

// NewAdmin creates an administrator user in account; moto maps its key to
// the account, so calls made with it land there.
func (m *Moto) NewAdmin(ctx context.Context, account, name string) (Admin, error) {
	c := m.IAM(account)
	u, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)})
	if err != nil {
		return Admin{}, fmt.Errorf("create user %s in %s: %w", name, account, err)
	}
	k, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		return Admin{}, fmt.Errorf("access key for %s in %s: %w", name, account, err)
	}
	return Admin{ARN: aws.ToString(u.User.Arn), AccessKeyID: aws.ToString(k.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(k.AccessKey.SecretAccessKey)}, nil
}

// RunInstance starts an EC2 instance in account and region.
func (m *Moto) RunInstance(ctx context.Context, account, region string) (string, error) {
	cfg := m.config(account)
	cfg.Region = region
	out, err := ec2.NewFromConfig(cfg).RunInstances(ctx, &ec2.RunInstancesInput{
		ImageId: aws.String("ami-0abcdef1234567890"), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
	})
	if err != nil || len(out.Instances) == 0 {
		return "", fmt.Errorf("run instance in %s: %v", account, err)
	}
	return aws.ToString(out.Instances[0].InstanceId), nil
}

// Bare is a world before xrole setup: a running instance whose role exists
// in the source account with no permission at all, no target role, and an
// administrator in each account.
type Bare struct {
	World
	SourceAdmin, TargetAdmin Admin
}

// NewBareWorld builds a Bare world whose names end in name. The target
// role's name and ARN are those setup is expected to create.
func (m *Moto) NewBareWorld(ctx context.Context, g *Guard, name string) (*Bare, error) {
	b := &Bare{World: World{
		Name:         name,
		InstanceRole: "web-" + name,
		TargetRole:   "deploy-" + name,
	}}
	b.TargetRoleARN = fmt.Sprintf("arn:aws:iam::%s:role/%s", TargetAccount, b.TargetRole)
	var err error
	if b.InstanceID, err = m.RunInstance(ctx, SourceAccount, Region); err != nil {
		return nil, err
	}
	if b.InstanceRoleARN, err = m.CreateRole(ctx, SourceAccount, b.InstanceRole, TrustEC2()); err != nil {
		return nil, err
	}
	if b.SourceAdmin, err = m.NewAdmin(ctx, SourceAccount, "admin-"+name); err != nil {
		return nil, err
	}
	if b.TargetAdmin, err = m.NewAdmin(ctx, TargetAccount, "admin-"+name); err != nil {
		return nil, err
	}
	if b.Instance, err = m.RoleSession(ctx, g, SourceAccount, b.InstanceRoleARN, b.InstanceID); err != nil {
		return nil, err
	}
	return b, nil
}

// CreatePolicy creates a customer managed policy in account and returns its ARN.
func (m *Moto) CreatePolicy(ctx context.Context, account, name string, p Policy) (string, error) {
	out, err := m.IAM(account).CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(name), PolicyDocument: aws.String(p.JSON())})
	if err != nil {
		return "", fmt.Errorf("create policy %s in %s: %w", name, account, err)
	}
	return aws.ToString(out.Policy.Arn), nil
}
