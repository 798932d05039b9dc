// Package rietest runs each Lambda function's real bootstrap under the AWS
// Lambda Runtime Interface Emulator (aws-lambda-rie) and invokes it with
// event JSON from testdata/, against the emulated DynamoDB, SQS and S3 of
// scripts/emulators. The tests live behind the "rie" build tag; `make
// test-lambda` builds the binaries, starts the emulators and runs them.
package rietest
