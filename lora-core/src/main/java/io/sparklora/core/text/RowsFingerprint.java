package io.sparklora.core.text;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * A SHA-256 fingerprint of packed rows, as {@code sha256:<hex>}. Each block's rows are digested on
 * their own ({@link #blockDigest}: every row's length, token ids and targets as big-endian 32-bit
 * integers, in row order), and the fingerprint is the SHA-256 of a version tag followed by the
 * block digests in block order, so a cluster digests its blocks in parallel and the driver
 * combines only 32 bytes per block. Equal fingerprints mean equal rows in equal order.
 */
public final class RowsFingerprint {

  private static final byte[] VERSION = "sparklora-rows/1\n".getBytes(StandardCharsets.UTF_8);

  private final MessageDigest sha = sha256();
  private long blocks;

  public RowsFingerprint() {
    sha.update(VERSION);
  }

  /** SHA-256 of one block's rows. */
  public static byte[] blockDigest(List<TrainingRow> rows) {
    MessageDigest sha = sha256();
    for (TrainingRow row : rows) {
      int[] tokens = row.tokens();
      int[] targets = row.targets();
      ByteBuffer buf = ByteBuffer.allocate(4 * (1 + 2 * tokens.length));
      buf.putInt(tokens.length);
      for (int t : tokens) {
        buf.putInt(t);
      }
      for (int t : targets) {
        buf.putInt(t);
      }
      sha.update(buf.array());
    }
    return sha.digest();
  }

  /**
   * SHA-256 of one block's classification rows: every row's length, ids and token types as big-endian 32-bit
   * integers, then its label values as big-endian IEEE doubles, in row order.
   */
  public static byte[] classificationDigest(List<ClassificationRow> rows) {
    MessageDigest sha = sha256();
    for (ClassificationRow row : rows) {
      int[] ids = row.ids();
      int[] types = row.tokenTypes();
      double[] labels = row.labels();
      ByteBuffer buf = ByteBuffer.allocate(4 * (2 + 2 * ids.length) + 8 * labels.length);
      buf.putInt(ids.length);
      for (int t : ids) {
        buf.putInt(t);
      }
      for (int t : types) {
        buf.putInt(t);
      }
      buf.putInt(labels.length);
      for (double v : labels) {
        buf.putDouble(v);
      }
      sha.update(buf.array());
    }
    return sha.digest();
  }

  /** Adds the next block's digest. */
  public RowsFingerprint addBlock(byte[] digest) {
    if (digest.length != 32) {
      throw new IllegalArgumentException("a block digest is 32 bytes, got " + digest.length);
    }
    sha.update(digest);
    blocks++;
    return this;
  }

  public long blocks() {
    return blocks;
  }

  /** The fingerprint of the blocks added so far; call once. */
  public String value() {
    return "sha256:" + HexFormat.of().formatHex(sha.digest());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime provides SHA-256", e);
    }
  }
}
