package io.parley.server.media;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * {@link BlobStore} on an S3-compatible object store (AWS S3, MinIO, S3Proxy, ...), with path-style
 * addressing and an optional custom endpoint, over the JDK's URL-connection HTTP client. Object key
 * = {@code prefix + sha256}. A put spools the stream to a local temp file while hashing it, checks
 * the digest and size, and only then uploads, so a wrong or short stream never creates an object;
 * S3 makes a single PUT visible atomically.
 */
public final class S3BlobStore implements BlobStore {
  private final S3Client s3;
  private final String bucket;
  private final String prefix;
  private final Path tmp;
  private final String endpoint;

  /**
   * @param endpoint e.g. {@code http://127.0.0.1:9000}; empty for AWS
   * @param accessKey empty for anonymous access
   * @param tmp a local directory for spooling puts
   */
  public S3BlobStore(
      String endpoint,
      String region,
      String bucket,
      String accessKey,
      String secretKey,
      String prefix,
      Path tmp) {
    this.bucket = bucket;
    this.prefix = prefix == null ? "" : prefix;
    this.tmp = tmp;
    this.endpoint = endpoint == null || endpoint.isBlank() ? "aws" : endpoint;
    AwsCredentialsProvider creds =
        accessKey == null || accessKey.isBlank()
            ? AnonymousCredentialsProvider.create()
            : StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey));
    S3ClientBuilder b =
        S3Client.builder()
            .region(Region.of(region))
            .credentialsProvider(creds)
            .forcePathStyle(true)
            // checksums only where S3 requires them: S3-compatible servers differ in support
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
            .httpClient(UrlConnectionHttpClient.create());
    if (endpoint != null && !endpoint.isBlank()) {
      b.endpointOverride(URI.create(endpoint));
    }
    this.s3 = b.build();
    try {
      Files.createDirectories(tmp);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot create " + tmp, e);
    }
    ensureBucket();
  }

  private void ensureBucket() {
    try {
      s3.headBucket(r -> r.bucket(bucket));
    } catch (NoSuchBucketException e) {
      s3.createBucket(r -> r.bucket(bucket));
    } catch (S3Exception e) {
      if (e.statusCode() != 404) {
        throw e;
      }
      s3.createBucket(r -> r.bucket(bucket));
    }
  }

  private String key(String sha256) {
    return prefix + BlobStore.checkKey(sha256);
  }

  @Override
  public void put(String sha256, long size, InputStream in) throws IOException {
    String key = key(sha256);
    Path t = Files.createTempFile(tmp, "s3put-", ".part");
    try {
      Sha256.HashingInput h = new Sha256.HashingInput(in, size);
      try (OutputStream out = Files.newOutputStream(t, StandardOpenOption.WRITE)) {
        h.transferTo(out);
      }
      h.verify(sha256, size);
      upload(key, t);
    } finally {
      Files.deleteIfExists(t);
    }
  }

  @Override
  public void putFile(String sha256, Path file) throws IOException {
    String key = key(sha256);
    try (InputStream in = Files.newInputStream(file)) {
      new Sha256.HashingInput(in, Files.size(file)).verify(sha256, Files.size(file));
    }
    upload(key, file);
  }

  private void upload(String key, Path file) throws IOException {
    try {
      s3.putObject(
          r -> r.bucket(bucket).key(key).contentType("application/octet-stream"),
          RequestBody.fromFile(file));
    } catch (S3Exception e) {
      throw new IOException("S3 put " + key + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public InputStream get(String sha256, long offset, long length) throws IOException {
    String key = key(sha256);
    long size = size(sha256);
    if (size < 0) {
      throw new NoSuchFileException(key);
    }
    if (offset < 0 || length < 0 || offset + length > size) {
      throw new IllegalArgumentException("range outside the blob");
    }
    if (length == 0) {
      return InputStream.nullInputStream();
    }
    try {
      return s3.getObject(
          r -> r.bucket(bucket).key(key).range("bytes=" + offset + "-" + (offset + length - 1)));
    } catch (NoSuchKeyException e) {
      throw new NoSuchFileException(key);
    } catch (S3Exception e) {
      throw new IOException("S3 get " + key + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public long size(String sha256) throws IOException {
    String key = key(sha256);
    try {
      return s3.headObject(r -> r.bucket(bucket).key(key)).contentLength();
    } catch (NoSuchKeyException e) {
      return -1;
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return -1;
      }
      throw new IOException("S3 head " + key + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public boolean delete(String sha256) throws IOException {
    if (size(sha256) < 0) {
      return false;
    }
    String key = key(sha256);
    try {
      s3.deleteObject(r -> r.bucket(bucket).key(key));
      return true;
    } catch (S3Exception e) {
      throw new IOException("S3 delete " + key + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public String describe() {
    return "s3 " + endpoint + "/" + bucket + "/" + prefix;
  }

  @Override
  public void close() {
    s3.close();
  }
}
