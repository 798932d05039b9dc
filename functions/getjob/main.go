// Command getjob is the Lambda behind GET /jobs, GET /jobs/{id},
// GET /jobs/{id}/assets and POST /jobs/{id}/cancel: reads plus the one
// conditional cancel write. It never sends messages, so its role has no
// SQS permission (template.yaml) and it builds and links no SQS client.
// Asset URLs are presigned S3 GET URLs made at each read from the asset's
// object key, so JOBLINE_ASSETS_BUCKET is required and the role may
// s3:GetObject in the bucket.
package main

import (
	"context"

	"jobline/internal/api"
	"jobline/internal/awsbackend/jobfiles"
	"jobline/internal/awsbackend/jobstore"
	"jobline/internal/lambdafn"
)

func main() {
	lambdafn.StartAPI("getjob", func(ctx context.Context, in *lambdafn.Init) (api.Config, error) {
		store, err := jobstore.Open(ctx, in.AWS, in.Config)
		if err != nil {
			return api.Config{}, err
		}
		files, err := jobfiles.Open(ctx, in.AWS, in.Config)
		if err != nil {
			return api.Config{}, err
		}
		return lambdafn.ReadAPI(store, jobfiles.AssetURL(files)), nil
	})
}
