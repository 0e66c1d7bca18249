package setup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go"
)

// EC2 is the three EC2 calls setup makes: the instance profile association
// of one instance.
//
// They are made here, signed with the SDK's SigV4 signer, rather than
// through service/ec2: that package adds 8 MB to the binary, about a
// minute of compile time per release target, and ~0.1 ms of package init
// to every start of xrole, which runs before every AWS CLI call.
type EC2 struct {
	Region      string
	Endpoint    string // "" for https://ec2.REGION.amazonaws.com
	Credentials aws.CredentialsProvider
	HTTP        *http.Client
	Attempts    int // tries per call, throttling and 5xx included (default 5)
}

// Association is an instance profile association.
type Association struct {
	ID         string // iip-assoc-...
	InstanceID string
	ProfileARN string
	State      string // associating, associated, disassociating, disassociated
}

// Associations returns the associations of instance id that are in place
// or on their way (associating, associated).
func (c *EC2) Associations(ctx context.Context, id string) ([]Association, error) {
	var out struct {
		Items []struct {
			ID         string `xml:"associationId"`
			InstanceID string `xml:"instanceId"`
			ProfileARN string `xml:"iamInstanceProfile>arn"`
			State      string `xml:"state"`
		} `xml:"iamInstanceProfileAssociationSet>item"`
	}
	err := c.call(ctx, "DescribeIamInstanceProfileAssociations", url.Values{
		"Filter.1.Name": {"instance-id"}, "Filter.1.Value.1": {id},
	}, &out)
	if err != nil {
		return nil, err
	}
	var as []Association
	for _, it := range out.Items {
		if it.State == "associated" || it.State == "associating" {
			as = append(as, Association{ID: it.ID, InstanceID: it.InstanceID, ProfileARN: it.ProfileARN, State: it.State})
		}
	}
	return as, nil
}

// Associate attaches the instance profile named profile to instance id.
func (c *EC2) Associate(ctx context.Context, id, profile string) error {
	return c.call(ctx, "AssociateIamInstanceProfile", url.Values{"InstanceId": {id}, "IamInstanceProfile.Name": {profile}}, nil)
}

// Replace swaps the instance profile of an association.
func (c *EC2) Replace(ctx context.Context, associationID, profile string) error {
	return c.call(ctx, "ReplaceIamInstanceProfileAssociation", url.Values{"AssociationId": {associationID}, "IamInstanceProfile.Name": {profile}}, nil)
}

const ec2APIVersion = "2016-11-15"

func (c *EC2) endpoint() string {
	if c.Endpoint != "" {
		return strings.TrimRight(c.Endpoint, "/") + "/"
	}
	if strings.HasPrefix(c.Region, "cn-") {
		return "https://ec2." + c.Region + ".amazonaws.com.cn/"
	}
	return "https://ec2." + c.Region + ".amazonaws.com/"
}

// call makes one EC2 query-protocol call and decodes the answer into out.
// Errors are smithy.APIError values, as the SDK's are.
func (c *EC2) call(ctx context.Context, action string, params url.Values, out any) error {
	params.Set("Action", action)
	params.Set("Version", ec2APIVersion)
	body := params.Encode()
	sum := sha256.Sum256([]byte(body))
	attempts := c.Attempts
	if attempts <= 0 {
		attempts = 5
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	var err error
	pause := 200 * time.Millisecond
	for try := 0; try < attempts; try++ {
		if try > 0 {
			select {
			case <-ctx.Done():
				return err
			case <-time.After(pause):
			}
			pause = min(2*pause, 2*time.Second)
		}
		var retry bool
		retry, err = c.once(ctx, hc, body, hex.EncodeToString(sum[:]), out)
		if !retry {
			return err
		}
	}
	return err
}

func (c *EC2) once(ctx context.Context, hc *http.Client, body, payloadHash string, out any) (retry bool, err error) {
	creds, err := c.Credentials.Retrieve(ctx)
	if err != nil {
		return false, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint(), strings.NewReader(body))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, payloadHash, "ec2", c.Region, time.Now()); err != nil {
		return false, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return ctx.Err() == nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return true, err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Code    string `xml:"Errors>Error>Code"`
			Message string `xml:"Errors>Error>Message"`
		}
		if xml.Unmarshal(b, &e) != nil || e.Code == "" {
			e.Code, e.Message = fmt.Sprintf("HTTP%d", resp.StatusCode), http.StatusText(resp.StatusCode)
		}
		throttled := e.Code == "RequestLimitExceeded" || e.Code == "Throttling" || e.Code == "ThrottlingException"
		return throttled || resp.StatusCode >= 500, &smithy.GenericAPIError{Code: e.Code, Message: e.Message}
	}
	if out == nil {
		return false, nil
	}
	return false, xml.Unmarshal(b, out)
}
