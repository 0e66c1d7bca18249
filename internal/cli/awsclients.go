package cli

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/xrole/xrole/credproc"
	"github.com/xrole/xrole/setup"
)

// account is an AWS account reached with one profile's credentials, for
// the commands that call more than STS (setup, doctor).
type account struct {
	r       *resolver
	profile string
	keys    map[string]string
	creds   aws.CredentialsProvider
	region  string // "" when neither the flag, the profile nor the environment names one
}

// profileAccount resolves a profile's credentials the way a source profile
// is resolved: static keys, a credential_process command, or an xrole
// profile (whose chain runs, uncached). region, when set, wins.
func (a *app) profileAccount(ctx context.Context, r *resolver, name, region string) (*account, error) {
	h := &hop{source: "profile:" + name}
	if err := r.sourceProfile(h, name, nil); err != nil {
		return nil, err
	}
	p, err := a.baseProvider(ctx, h)
	if err != nil {
		return nil, err
	}
	keys, _ := r.config.ConfigProfile(name)
	if region == "" {
		region = r.region(lookup{getenv: r.getenv, keys: keys, profile: name})
	}
	return &account{r: r, profile: name, keys: keys, creds: aws.NewCredentialsCache(p), region: region}, nil
}

// globalRegion is where a global service (IAM, and STS when no region is
// known) is signed: us-east-1, or the region's own partition.
func (ac *account) globalRegion() string {
	if strings.HasPrefix(ac.region, "cn-") || strings.HasPrefix(ac.region, "us-gov-") || strings.HasPrefix(ac.region, "us-iso") {
		return ac.region
	}
	return "us-east-1"
}

func (ac *account) endpoint(service string) *string {
	if e := ac.r.endpoint(ac.keys, service); e != "" {
		return aws.String(e)
	}
	return nil
}

func (ac *account) IAM() *iam.Client {
	return iam.New(iam.Options{Region: ac.globalRegion(), Credentials: ac.creds, HTTPClient: credproc.AWSHTTPClient(),
		Retryer: credproc.NewRetryer(0), BaseEndpoint: ac.endpoint("iam")})
}

func (ac *account) STS() *sts.Client {
	region := ac.region
	if region == "" {
		region = ac.globalRegion()
	}
	return credproc.NewSTSClient(credproc.STSConfig{Region: region, Endpoint: ac.r.endpoint(ac.keys, "sts"), Credentials: ac.creds})
}

func (ac *account) EC2() *setup.EC2 {
	return &setup.EC2{Region: ac.region, Endpoint: aws.ToString(ac.endpoint("ec2")), Credentials: ac.creds, HTTP: credproc.AWSHTTPClient()}
}
