/* SPDX-License-Identifier: MIT */
/*
 * Encodings and hashes for templates: base64 (std and URL alphabets, as
 * Consul's KV values and consul-template's helpers use), and SHA-256,
 * HMAC-SHA-256 and MD5 in hex.  The runtime may only use libc, so the
 * hashes are implemented here.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl_int.h"
#include "xmalloc.h"

static const char b64std[]
    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64url[]
    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void
b64_encode(struct buf *b, const unsigned char *s, size_t len, bool url)
{
	const char *al = url ? b64url : b64std;
	size_t i;
	uint32_t v;

	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
		buf_addc(b, al[v >> 18]);
		buf_addc(b, al[(v >> 12) & 63]);
		buf_addc(b, al[(v >> 6) & 63]);
		buf_addc(b, al[v & 63]);
	}
	if (i < len) {
		v = (uint32_t)s[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)s[i + 1] << 8;
		buf_addc(b, al[v >> 18]);
		buf_addc(b, al[(v >> 12) & 63]);
		buf_addc(b, i + 1 < len ? al[(v >> 6) & 63] : '=');
		buf_addc(b, '=');
	}
}

void
tmpl_codec_base64_encode(struct buf *b, const char *s, size_t len, bool url)
{
	b64_encode(b, (const unsigned char *)s, len, url);
}

/* Strict padded base64 (Go's StdEncoding / URLEncoding). */
int
tmpl_codec_base64_decode(const char *s, size_t len, bool url, char *out,
    size_t *outlen)
{
	const char *al = url ? b64url : b64std, *p;
	uint32_t v = 0;
	size_t i, o = 0, pad = 0;
	int bits = 0;

	if (len % 4 != 0)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] == '=') {
			if (i + 2 < len || (i + 1 < len && s[i + 1] != '='))
				return -1;
			pad++;
			continue;
		}
		if (pad > 0 || (p = memchr(al, s[i], 64)) == NULL)
			return -1;
		v = v << 6 | (uint32_t)(p - al);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)((v >> bits) & 0xff);
		}
	}
	*outlen = o;
	return 0;
}

size_t
tmpl_codec_base64_bad_byte(const char *s, size_t len)
{
	size_t bad;

	for (bad = 0; bad < len
	     && (isalnum((unsigned char)s[bad]) || s[bad] == '+'
		 || s[bad] == '/');
	     bad++)
		;
	return bad;
}

static int
b64(struct tmpl_exec *x, struct tmpl_value *a, bool url, bool enc,
    struct tmpl_value *r)
{
	const char *s;
	size_t len, olen;
	struct buf b;
	char *out;

	if (tmpl_exec_arg_str(x, a, 0, &s, &len) == -1)
		return -1;
	if (enc) {
		buf_init(&b, SIZE_MAX);
		b64_encode(&b, (const unsigned char *)s, len, url);
		*r = tmpl_value_from_buf(x->a, &b);
		return 0;
	}
	out = tmpl_arena_alloc(x->a, len + 1);
	if (tmpl_codec_base64_decode(s, len, url, out, &olen) == -1)
		return tmpl_exec_errorf(x, "illegal base64 data");
	out[olen] = '\0';
	*r = tmpl_value_str(out, olen);
	return 0;
}

static int
fn_base64_encode(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	return b64(x, a, false, true, r);
}

static int
fn_base64_decode(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	return b64(x, a, false, false, r);
}

static int
fn_base64url_encode(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	return b64(x, a, true, true, r);
}

static int
fn_base64url_decode(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)n;
	return b64(x, a, true, false, r);
}

/* SHA-256 (FIPS 180-4). */
static const uint32_t sha_k[64] = {
	0x428a2f98,
	0x71374491,
	0xb5c0fbcf,
	0xe9b5dba5,
	0x3956c25b,
	0x59f111f1,
	0x923f82a4,
	0xab1c5ed5,
	0xd807aa98,
	0x12835b01,
	0x243185be,
	0x550c7dc3,
	0x72be5d74,
	0x80deb1fe,
	0x9bdc06a7,
	0xc19bf174,
	0xe49b69c1,
	0xefbe4786,
	0x0fc19dc6,
	0x240ca1cc,
	0x2de92c6f,
	0x4a7484aa,
	0x5cb0a9dc,
	0x76f988da,
	0x983e5152,
	0xa831c66d,
	0xb00327c8,
	0xbf597fc7,
	0xc6e00bf3,
	0xd5a79147,
	0x06ca6351,
	0x14292967,
	0x27b70a85,
	0x2e1b2138,
	0x4d2c6dfc,
	0x53380d13,
	0x650a7354,
	0x766a0abb,
	0x81c2c92e,
	0x92722c85,
	0xa2bfe8a1,
	0xa81a664b,
	0xc24b8b70,
	0xc76c51a3,
	0xd192e819,
	0xd6990624,
	0xf40e3585,
	0x106aa070,
	0x19a4c116,
	0x1e376c08,
	0x2748774c,
	0x34b0bcb5,
	0x391c0cb3,
	0x4ed8aa4a,
	0x5b9cca4f,
	0x682e6ff3,
	0x748f82ee,
	0x78a5636f,
	0x84c87814,
	0x8cc70208,
	0x90befffa,
	0xa4506ceb,
	0xbef9a3f7,
	0xc67178f2,
};

#define ROR(v, n) (((v) >> (n)) | ((v) << (32 - (n))))

static void
sha256_block(uint32_t h[8], const unsigned char *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, hh, t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16
		    | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (i = 16; i < 64; i++)
		w[i] = w[i - 16]
		    + (ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18)
			^ (w[i - 15] >> 3))
		    + w[i - 7]
		    + (ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19)
			^ (w[i - 2] >> 10));
	a = h[0];
	b = h[1];
	c = h[2];
	d = h[3];
	e = h[4];
	f = h[5];
	g = h[6];
	hh = h[7];
	for (i = 0; i < 64; i++) {
		t1 = hh + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25))
		    + ((e & f) ^ (~e & g)) + sha_k[i] + w[i];
		t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22))
		    + ((a & b) ^ (a & c) ^ (b & c));
		hh = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
	h[5] += f;
	h[6] += g;
	h[7] += hh;
}

/* Pads msg MD-style into blocks: big-endian length for SHA, little for MD5. */
static void
md_pad(const unsigned char *s, size_t len, bool big,
    void (*block)(uint32_t *, const unsigned char *), uint32_t *h)
{
	unsigned char tail[128];
	size_t i, rest, tl;
	uint64_t bits = (uint64_t)len * 8;

	for (i = 0; i + 64 <= len; i += 64)
		block(h, s + i);
	rest = len - i;
	memset(tail, 0, sizeof(tail));
	memcpy(tail, s + i, rest);
	tail[rest] = 0x80;
	tl = rest + 1 + 8 <= 64 ? 64 : 128;
	for (i = 0; i < 8; i++)
		tail[big ? tl - 1 - i : tl - 8 + i]
		    = (unsigned char)(bits >> (8 * i));
	block(h, tail);
	if (tl == 128)
		block(h, tail + 64);
}

static const uint32_t sha256_iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372,
	0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };

static void
sha256_block_cb(uint32_t *h, const unsigned char *p)
{
	sha256_block(h, p);
}

static const uint32_t md5_k[64] = {
	0xd76aa478,
	0xe8c7b756,
	0x242070db,
	0xc1bdceee,
	0xf57c0faf,
	0x4787c62a,
	0xa8304613,
	0xfd469501,
	0x698098d8,
	0x8b44f7af,
	0xffff5bb1,
	0x895cd7be,
	0x6b901122,
	0xfd987193,
	0xa679438e,
	0x49b40821,
	0xf61e2562,
	0xc040b340,
	0x265e5a51,
	0xe9b6c7aa,
	0xd62f105d,
	0x02441453,
	0xd8a1e681,
	0xe7d3fbc8,
	0x21e1cde6,
	0xc33707d6,
	0xf4d50d87,
	0x455a14ed,
	0xa9e3e905,
	0xfcefa3f8,
	0x676f02d9,
	0x8d2a4c8a,
	0xfffa3942,
	0x8771f681,
	0x6d9d6122,
	0xfde5380c,
	0xa4beea44,
	0x4bdecfa9,
	0xf6bb4b60,
	0xbebfbc70,
	0x289b7ec6,
	0xeaa127fa,
	0xd4ef3085,
	0x04881d05,
	0xd9d4d039,
	0xe6db99e5,
	0x1fa27cf8,
	0xc4ac5665,
	0xf4292244,
	0x432aff97,
	0xab9423a7,
	0xfc93a039,
	0x655b59c3,
	0x8f0ccc92,
	0xffeff47d,
	0x85845dd1,
	0x6fa87e4f,
	0xfe2ce6e0,
	0xa3014314,
	0x4e0811a1,
	0xf7537e82,
	0xbd3af235,
	0x2ad7d2bb,
	0xeb86d391,
};
static const int md5_r[64] = {
	7,
	12,
	17,
	22,
	7,
	12,
	17,
	22,
	7,
	12,
	17,
	22,
	7,
	12,
	17,
	22,
	5,
	9,
	14,
	20,
	5,
	9,
	14,
	20,
	5,
	9,
	14,
	20,
	5,
	9,
	14,
	20,
	4,
	11,
	16,
	23,
	4,
	11,
	16,
	23,
	4,
	11,
	16,
	23,
	4,
	11,
	16,
	23,
	6,
	10,
	15,
	21,
	6,
	10,
	15,
	21,
	6,
	10,
	15,
	21,
	6,
	10,
	15,
	21,
};

static void
md5_block(uint32_t *h, const unsigned char *p)
{
	uint32_t w[16], a = h[0], b = h[1], c = h[2], d = h[3], f, t;
	int i, g;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8
		    | (uint32_t)p[4 * i + 2] << 16
		    | (uint32_t)p[4 * i + 3] << 24;
	for (i = 0; i < 64; i++) {
		if (i < 16) {
			f = (b & c) | (~b & d);
			g = i;
		} else if (i < 32) {
			f = (d & b) | (~d & c);
			g = (5 * i + 1) % 16;
		} else if (i < 48) {
			f = b ^ c ^ d;
			g = (3 * i + 5) % 16;
		} else {
			f = c ^ (b | ~d);
			g = (7 * i) % 16;
		}
		t = d;
		d = c;
		c = b;
		f = a + f + md5_k[i] + w[g];
		b = b + ((f << md5_r[i]) | (f >> (32 - md5_r[i])));
		a = t;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
}

/*
 * The hex digest of argument 0 by an MD-padded, big-endian hash: block
 * compresses into h[0..nwords), which holds the initial state.
 */
static int
sha_hex(struct tmpl_exec *x, struct tmpl_value *a,
    void (*block)(uint32_t *, const unsigned char *), uint32_t *h,
    size_t nwords, struct tmpl_value *r)
{
	const char *s;
	size_t len, i;
	struct buf b;

	if (tmpl_exec_arg_str(x, a, 0, &s, &len) == -1)
		return -1;
	md_pad((const unsigned char *)s, len, true, block, h);
	buf_init(&b, SIZE_MAX);
	for (i = 0; i < nwords; i++)
		buf_addf(&b, "%08x", h[i]);
	*r = tmpl_value_from_buf(x->a, &b);
	return 0;
}

static int
fn_sha256_hex(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	uint32_t h[8];

	(void)n;
	memcpy(h, sha256_iv, sizeof(h));
	return sha_hex(x, a, sha256_block_cb, h, 8, r);
}

static int
fn_md5sum(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	uint32_t h[4] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476 };
	const char *s;
	size_t len;
	struct buf b;
	int i;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &s, &len) == -1)
		return -1;
	md_pad((const unsigned char *)s, len, false, md5_block, h);
	buf_init(&b, SIZE_MAX);
	for (i = 0; i < 16; i++)
		buf_addf(&b, "%02x", (h[i / 4] >> (8 * (i % 4))) & 0xff);
	*r = tmpl_value_from_buf(x->a, &b);
	return 0;
}

/* SHA-1 (FIPS 180-4), for Sprig's sha1sum: a checksum, not a secret. */
#define ROL(v, n) (((v) << (n)) | ((v) >> (32 - (n))))

static void
sha1_block(uint32_t *h, const unsigned char *p)
{
	uint32_t w[80], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f, k,
			t;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16
		    | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (; i < 80; i++)
		w[i] = ROL(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	for (i = 0; i < 80; i++) {
		if (i < 20) {
			f = (b & c) | (~b & d);
			k = 0x5a827999;
		} else if (i < 40) {
			f = b ^ c ^ d;
			k = 0x6ed9eba1;
		} else if (i < 60) {
			f = (b & c) | (b & d) | (c & d);
			k = 0x8f1bbcdc;
		} else {
			f = b ^ c ^ d;
			k = 0xca62c1d6;
		}
		t = ROL(a, 5) + f + e + k + w[i];
		e = d;
		d = c;
		c = ROL(b, 30);
		b = a;
		a = t;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
}

static int
sprig_sha1sum(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	uint32_t h[5]
	    = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0 };

	(void)n;
	return sha_hex(x, a, sha1_block, h, 5, r);
}

/* SHA-512 (FIPS 180-4), for Sprig's sha512sum: 64-bit words, 128-byte blocks.
 */
static const uint64_t sha512_k[80] = {
	0x428a2f98d728ae22ULL,
	0x7137449123ef65cdULL,
	0xb5c0fbcfec4d3b2fULL,
	0xe9b5dba58189dbbcULL,
	0x3956c25bf348b538ULL,
	0x59f111f1b605d019ULL,
	0x923f82a4af194f9bULL,
	0xab1c5ed5da6d8118ULL,
	0xd807aa98a3030242ULL,
	0x12835b0145706fbeULL,
	0x243185be4ee4b28cULL,
	0x550c7dc3d5ffb4e2ULL,
	0x72be5d74f27b896fULL,
	0x80deb1fe3b1696b1ULL,
	0x9bdc06a725c71235ULL,
	0xc19bf174cf692694ULL,
	0xe49b69c19ef14ad2ULL,
	0xefbe4786384f25e3ULL,
	0x0fc19dc68b8cd5b5ULL,
	0x240ca1cc77ac9c65ULL,
	0x2de92c6f592b0275ULL,
	0x4a7484aa6ea6e483ULL,
	0x5cb0a9dcbd41fbd4ULL,
	0x76f988da831153b5ULL,
	0x983e5152ee66dfabULL,
	0xa831c66d2db43210ULL,
	0xb00327c898fb213fULL,
	0xbf597fc7beef0ee4ULL,
	0xc6e00bf33da88fc2ULL,
	0xd5a79147930aa725ULL,
	0x06ca6351e003826fULL,
	0x142929670a0e6e70ULL,
	0x27b70a8546d22ffcULL,
	0x2e1b21385c26c926ULL,
	0x4d2c6dfc5ac42aedULL,
	0x53380d139d95b3dfULL,
	0x650a73548baf63deULL,
	0x766a0abb3c77b2a8ULL,
	0x81c2c92e47edaee6ULL,
	0x92722c851482353bULL,
	0xa2bfe8a14cf10364ULL,
	0xa81a664bbc423001ULL,
	0xc24b8b70d0f89791ULL,
	0xc76c51a30654be30ULL,
	0xd192e819d6ef5218ULL,
	0xd69906245565a910ULL,
	0xf40e35855771202aULL,
	0x106aa07032bbd1b8ULL,
	0x19a4c116b8d2d0c8ULL,
	0x1e376c085141ab53ULL,
	0x2748774cdf8eeb99ULL,
	0x34b0bcb5e19b48a8ULL,
	0x391c0cb3c5c95a63ULL,
	0x4ed8aa4ae3418acbULL,
	0x5b9cca4f7763e373ULL,
	0x682e6ff3d6b2b8a3ULL,
	0x748f82ee5defb2fcULL,
	0x78a5636f43172f60ULL,
	0x84c87814a1f0ab72ULL,
	0x8cc702081a6439ecULL,
	0x90befffa23631e28ULL,
	0xa4506cebde82bde9ULL,
	0xbef9a3f7b2c67915ULL,
	0xc67178f2e372532bULL,
	0xca273eceea26619cULL,
	0xd186b8c721c0c207ULL,
	0xeada7dd6cde0eb1eULL,
	0xf57d4f7fee6ed178ULL,
	0x06f067aa72176fbaULL,
	0x0a637dc5a2c898a6ULL,
	0x113f9804bef90daeULL,
	0x1b710b35131c471bULL,
	0x28db77f523047d84ULL,
	0x32caab7b40c72493ULL,
	0x3c9ebe0a15c9bebcULL,
	0x431d67c49c100d4cULL,
	0x4cc5d4becb3e42b6ULL,
	0x597f299cfc657e2aULL,
	0x5fcb6fab3ad6faecULL,
	0x6c44198c4a475817ULL,
};

#define ROR64(v, n) (((v) >> (n)) | ((v) << (64 - (n))))

static void
sha512_block(uint64_t h[8], const unsigned char *p)
{
	uint64_t w[80], v[8], s0, s1, t1, t2;
	int i, j;

	for (i = 0; i < 16; i++) {
		w[i] = 0;
		for (j = 0; j < 8; j++)
			w[i] = w[i] << 8 | p[8 * i + j];
	}
	for (; i < 80; i++) {
		s0 = ROR64(w[i - 15], 1) ^ ROR64(w[i - 15], 8)
		    ^ (w[i - 15] >> 7);
		s1 = ROR64(w[i - 2], 19) ^ ROR64(w[i - 2], 61)
		    ^ (w[i - 2] >> 6);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	memcpy(v, h, sizeof(v));
	for (i = 0; i < 80; i++) {
		t1 = v[7]
		    + (ROR64(v[4], 14) ^ ROR64(v[4], 18) ^ ROR64(v[4], 41))
		    + ((v[4] & v[5]) ^ (~v[4] & v[6])) + sha512_k[i] + w[i];
		t2 = (ROR64(v[0], 28) ^ ROR64(v[0], 34) ^ ROR64(v[0], 39))
		    + ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
		memmove(v + 1, v, 7 * sizeof(v[0]));
		v[4] += t1;
		v[0] = t1 + t2;
	}
	for (i = 0; i < 8; i++)
		h[i] += v[i];
}

static int
sprig_sha512sum(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	uint64_t h[8] = { 0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL,
		0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
		0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL,
		0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL };
	unsigned char tail[256];
	const char *s;
	size_t len, i, rest, tl;
	struct buf b;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &s, &len) == -1)
		return -1;
	for (i = 0; i + 128 <= len; i += 128)
		sha512_block(h, (const unsigned char *)s + i);
	/* The tail: 0x80, zeros, then the 128-bit big-endian bit length
	 * (its top 64 bits are zero: a string is shorter than 2^61 bytes). */
	rest = len - i;
	memset(tail, 0, sizeof(tail));
	memcpy(tail, s + i, rest);
	tail[rest] = 0x80;
	tl = rest + 1 + 16 <= 128 ? 128 : 256;
	for (i = 0; i < 8; i++)
		tail[tl - 1 - i]
		    = (unsigned char)(((uint64_t)len * 8) >> (8 * i));
	sha512_block(h, tail);
	if (tl == 256)
		sha512_block(h, tail + 128);
	buf_init(&b, SIZE_MAX);
	for (i = 0; i < 8; i++)
		buf_addf(&b, "%016llx", (unsigned long long)h[i]);
	*r = tmpl_value_from_buf(x->a, &b);
	return 0;
}

/* Adler-32 (RFC 1950), printed in decimal as Sprig's adler32sum. */
static int
sprig_adler32sum(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	uint32_t s1 = 1, s2 = 0;
	const char *s;
	size_t len, i;
	struct buf b;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &s, &len) == -1)
		return -1;
	for (i = 0; i < len; i++) {
		s1 = (s1 + (unsigned char)s[i]) % 65521;
		s2 = (s2 + s1) % 65521;
	}
	buf_init(&b, SIZE_MAX);
	buf_addf(&b, "%u", s2 << 16 | s1);
	*r = tmpl_value_from_buf(x->a, &b);
	return 0;
}

static const char b32std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/* b32enc S: padded base32 (Go's base32.StdEncoding). */
static int
sprig_b32enc(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const unsigned char *s;
	size_t len, i, j, bits;
	struct buf b;
	uint64_t v;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, (const char **)&s, &len) == -1)
		return -1;
	buf_init(&b, SIZE_MAX);
	for (i = 0; i < len; i += 5) {
		size_t take = len - i < 5 ? len - i : 5;

		v = 0;
		for (j = 0; j < 5; j++)
			v = v << 8 | (j < take ? s[i + j] : 0);
		bits = take * 8;
		for (j = 0; j < 8; j++) {
			if (j * 5 < bits)
				buf_addc(&b, b32std[(v >> (35 - 5 * j)) & 31]);
			else
				buf_addc(&b, '=');
		}
	}
	*r = tmpl_value_from_buf(x->a, &b);
	return 0;
}

/* b32dec S: the bytes, or Go's decoder error as the text (as Sprig). */
static int
sprig_b32dec(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	const char *s, *at;
	size_t len, i, j, pad;
	struct buf b;
	uint64_t v;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &s, &len) == -1)
		return -1;
	buf_init(&b, SIZE_MAX);
	for (i = 0; i < len; i += 8) {
		if (len - i < 8)
			goto bad;
		v = 0;
		pad = 0;
		for (j = 0; j < 8; j++) {
			if (s[i + j] == '=' && i + 8 == len) {
				pad++;
				v <<= 5;
				continue;
			}
			at = s[i + j] != '\0' ? strchr(b32std, s[i + j]) : NULL;
			if (at == NULL || pad > 0) {
				i += j;
				goto bad;
			}
			v = v << 5 | (uint64_t)(at - b32std);
		}
		/* 0, 1, 3, 4 or 6 pad characters: 5, 4, 3, 2 or 1 bytes. */
		if (pad == 2 || pad == 5 || pad == 7)
			goto bad;
		for (j = 0; j < 5 - (pad * 5 + 7) / 8; j++)
			buf_addc(&b, (char)(v >> (32 - 8 * j)));
	}
	*r = tmpl_value_from_buf(x->a, &b);
	return 0;
bad:
	buf_reset(&b);
	buf_addf(&b, "illegal base32 data at input byte %zu", i);
	*r = tmpl_value_from_buf(x->a, &b);
	return 0;
}

/* The SHA-256 state h as the 32-byte big-endian digest. */
static void
sha256_out(const uint32_t h[8], unsigned char out[32])
{
	size_t i;

	for (i = 0; i < 32; i++)
		out[i] = (unsigned char)(h[i / 4] >> (24 - 8 * (i % 4)));
}

/* HMAC-SHA256 (RFC 2104) of msg under key into out. */
static void
hmac_sha256(const unsigned char *key, size_t klen, const unsigned char *msg,
    size_t mlen, unsigned char out[32])
{
	unsigned char k[64], *in;
	uint32_t h[8];
	size_t i;

	memset(k, 0, sizeof(k));
	if (klen > 64) {
		memcpy(h, sha256_iv, sizeof(h));
		md_pad(key, klen, true, sha256_block_cb, h);
		sha256_out(h, k);
	} else if (klen > 0)
		memcpy(k, key, klen);
	/* Inner hash over (K ^ ipad) || message. */
	in = xmalloc(64 + (mlen > 32 ? mlen : 32));
	for (i = 0; i < 64; i++)
		in[i] = k[i] ^ 0x36;
	if (mlen > 0)
		memcpy(in + 64, msg, mlen);
	memcpy(h, sha256_iv, sizeof(h));
	md_pad(in, 64 + mlen, true, sha256_block_cb, h);
	/* Outer hash over (K ^ opad) || inner. */
	for (i = 0; i < 64; i++)
		in[i] = k[i] ^ 0x5c;
	sha256_out(h, in + 64);
	memcpy(h, sha256_iv, sizeof(h));
	md_pad(in, 96, true, sha256_block_cb, h);
	sha256_out(h, out);
	free(in);
}

/* hmacSHA256Hex MESSAGE KEY (RFC 2104). */
static int
fn_hmac_sha256_hex(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	unsigned char out[32];
	const char *msg, *key;
	size_t mlen, klen, i;
	struct buf b;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &msg, &mlen) == -1
	    || tmpl_exec_arg_str(x, a, 1, &key, &klen) == -1)
		return -1;
	hmac_sha256((const unsigned char *)key, klen,
	    (const unsigned char *)msg, mlen, out);
	buf_init(&b, SIZE_MAX);
	for (i = 0; i < 32; i++)
		buf_addf(&b, "%02x", out[i]);
	*r = tmpl_value_from_buf(x->a, &b);
	return 0;
}

/*
 * scrypt (RFC 7914) for Sprig's derivePassword, with its fixed costs
 * N = 32768, r = 8, p = 2: PBKDF2-HMAC-SHA256 of one iteration around
 * ROMix over Salsa20/8.  It takes 32 MiB and about 0.2 s, so a call is
 * charged DERIVE_STEPS steps of the render's budget: a template cannot
 * stall the daemon with it any longer than with its own loops.
 */
#define SCRYPT_N 32768
#define SCRYPT_R 8
#define SCRYPT_P 2
#define DERIVE_STEPS 500000
/* Longest salt (the seed, 4 bytes and the user) PBKDF2 is given. */
#define DERIVE_SALT_MAX 4096

static void
pbkdf2_sha256_1(const unsigned char *pw, size_t pwlen,
    const unsigned char *salt, size_t slen, unsigned char *out, size_t olen)
{
	unsigned char *msg = xmalloc(slen + 4), block[32];
	uint32_t i;
	size_t done;

	memcpy(msg, salt, slen);
	for (i = 1, done = 0; done < olen; i++, done += 32) {
		msg[slen] = (unsigned char)(i >> 24);
		msg[slen + 1] = (unsigned char)(i >> 16);
		msg[slen + 2] = (unsigned char)(i >> 8);
		msg[slen + 3] = (unsigned char)i;
		hmac_sha256(pw, pwlen, msg, slen + 4, block);
		memcpy(out + done, block, olen - done < 32 ? olen - done : 32);
	}
	free(msg);
}

#define R32(a, b) (((a) << (b)) | ((a) >> (32 - (b))))

static void
salsa20_8(uint32_t b[16])
{
	uint32_t x[16];
	int i;

	memcpy(x, b, sizeof(x));
	for (i = 0; i < 8; i += 2) {
		x[4] ^= R32(x[0] + x[12], 7);
		x[8] ^= R32(x[4] + x[0], 9);
		x[12] ^= R32(x[8] + x[4], 13);
		x[0] ^= R32(x[12] + x[8], 18);
		x[9] ^= R32(x[5] + x[1], 7);
		x[13] ^= R32(x[9] + x[5], 9);
		x[1] ^= R32(x[13] + x[9], 13);
		x[5] ^= R32(x[1] + x[13], 18);
		x[14] ^= R32(x[10] + x[6], 7);
		x[2] ^= R32(x[14] + x[10], 9);
		x[6] ^= R32(x[2] + x[14], 13);
		x[10] ^= R32(x[6] + x[2], 18);
		x[3] ^= R32(x[15] + x[11], 7);
		x[7] ^= R32(x[3] + x[15], 9);
		x[11] ^= R32(x[7] + x[3], 13);
		x[15] ^= R32(x[11] + x[7], 18);
		x[1] ^= R32(x[0] + x[3], 7);
		x[2] ^= R32(x[1] + x[0], 9);
		x[3] ^= R32(x[2] + x[1], 13);
		x[0] ^= R32(x[3] + x[2], 18);
		x[6] ^= R32(x[5] + x[4], 7);
		x[7] ^= R32(x[6] + x[5], 9);
		x[4] ^= R32(x[7] + x[6], 13);
		x[5] ^= R32(x[4] + x[7], 18);
		x[11] ^= R32(x[10] + x[9], 7);
		x[8] ^= R32(x[11] + x[10], 9);
		x[9] ^= R32(x[8] + x[11], 13);
		x[10] ^= R32(x[9] + x[8], 18);
		x[12] ^= R32(x[15] + x[14], 7);
		x[13] ^= R32(x[12] + x[15], 9);
		x[14] ^= R32(x[13] + x[12], 13);
		x[15] ^= R32(x[14] + x[13], 18);
	}
	for (i = 0; i < 16; i++)
		b[i] += x[i];
}

/* BlockMix of b (2r blocks of 16 words) into y; y back into b. */
static void
block_mix(uint32_t *b, uint32_t *y)
{
	uint32_t x[16];
	size_t i, k;

	memcpy(x, b + (2 * SCRYPT_R - 1) * 16, sizeof(x));
	for (i = 0; i < 2 * SCRYPT_R; i++) {
		for (k = 0; k < 16; k++)
			x[k] ^= b[i * 16 + k];
		salsa20_8(x);
		/* Even blocks first, then odd ones. */
		memcpy(y + ((i % 2) * SCRYPT_R + i / 2) * 16, x, sizeof(x));
	}
	memcpy(b, y, 2 * SCRYPT_R * 16 * sizeof(*b));
}

/* ROMix of one 128r-byte block in place; v holds N blocks. */
static void
ro_mix(unsigned char *blk, uint32_t *v)
{
	const size_t words = 32 * SCRYPT_R;
	uint32_t x[32 * SCRYPT_R], y[32 * SCRYPT_R];
	size_t i, k, j;

	for (k = 0; k < words; k++)
		x[k] = (uint32_t)blk[4 * k] | (uint32_t)blk[4 * k + 1] << 8
		    | (uint32_t)blk[4 * k + 2] << 16
		    | (uint32_t)blk[4 * k + 3] << 24;
	for (i = 0; i < SCRYPT_N; i++) {
		memcpy(v + i * words, x, sizeof(x));
		block_mix(x, y);
	}
	for (i = 0; i < SCRYPT_N; i++) {
		j = x[(2 * SCRYPT_R - 1) * 16] & (SCRYPT_N - 1);
		for (k = 0; k < words; k++)
			x[k] ^= v[j * words + k];
		block_mix(x, y);
	}
	for (k = 0; k < words; k++) {
		blk[4 * k] = (unsigned char)x[k];
		blk[4 * k + 1] = (unsigned char)(x[k] >> 8);
		blk[4 * k + 2] = (unsigned char)(x[k] >> 16);
		blk[4 * k + 3] = (unsigned char)(x[k] >> 24);
	}
}

static void
scrypt_key(const unsigned char *pw, size_t pwlen, const unsigned char *salt,
    size_t slen, unsigned char out[64])
{
	unsigned char *b = xmalloc((size_t)SCRYPT_P * 128 * SCRYPT_R);
	uint32_t *v = xmalloc((size_t)SCRYPT_N * 32 * SCRYPT_R * sizeof(*v));
	size_t i;

	pbkdf2_sha256_1(pw, pwlen, salt, slen, b,
	    (size_t)SCRYPT_P * 128 * SCRYPT_R);
	for (i = 0; i < SCRYPT_P; i++)
		ro_mix(b + i * 128 * SCRYPT_R, v);
	pbkdf2_sha256_1(pw, pwlen, b, (size_t)SCRYPT_P * 128 * SCRYPT_R, out,
	    64);
	free(v);
	free(b);
}

/*
 * derivePassword COUNTER TYPE PASSWORD USER SITE: the Master Password
 * algorithm as Sprig has it (a password from templates of character
 * classes, picked by an HMAC keyed with the scrypt of the password).
 */
static int
sprig_derive_password(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	static const char seed[] = "com.lyndir.masterpassword";
	static const struct {
		const char *type;
		const char *const tpl[21];
	} types[] = {
		{ "maximum",
		    { "anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno" } },
		{ "long",
		    { "CvcvnoCvcvCvcv", "CvcvCvcvnoCvcv", "CvcvCvcvCvcvno",
			"CvccnoCvcvCvcv", "CvccCvcvnoCvcv", "CvccCvcvCvcvno",
			"CvcvnoCvccCvcv", "CvcvCvccnoCvcv", "CvcvCvccCvcvno",
			"CvcvnoCvcvCvcc", "CvcvCvcvnoCvcc", "CvcvCvcvCvccno",
			"CvccnoCvccCvcv", "CvccCvccnoCvcv", "CvccCvccCvcvno",
			"CvcvnoCvccCvcc", "CvcvCvccnoCvcc", "CvcvCvccCvccno",
			"CvccnoCvcvCvcc", "CvccCvcvnoCvcc",
			"CvccCvcvCvccno" } },
		{ "medium", { "CvcnoCvc", "CvcCvcno" } },
		{ "short", { "Cvcn" } },
		{ "basic", { "aaanaaan", "aannaaan", "aaannaaa" } },
		{ "pin", { "nnnn" } },
	};
	static const char *const classes[128] = {
		['V'] = "AEIOU",
		['C'] = "BCDFGHJKLMNPQRSTVWXYZ",
		['v'] = "aeiou",
		['c'] = "bcdfghjklmnpqrstvwxyz",
		['A'] = "AEIOUBCDFGHJKLMNPQRSTVWXYZ",
		['a'] = "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz",
		['n'] = "0123456789",
		['o'] = "@&%?,=[]_:-+*$#!'^~;()/.",
		['x']
		= "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz012"
		  "3456789!@#$%^&*()",
	};
	const char *type, *pw, *user, *site, *tpl;
	size_t tlen, pwlen, ulen, slen, i, k, ntpl;
	unsigned char key[64], mac[32], *msg;
	uint32_t counter;
	int64_t c;
	struct buf b;

	(void)n;
	if (tmpl_exec_arg_int(x, a, 0, &c) == -1
	    || tmpl_exec_arg_str(x, a, 1, &type, &tlen) == -1
	    || tmpl_exec_arg_str(x, a, 2, &pw, &pwlen) == -1
	    || tmpl_exec_arg_str(x, a, 3, &user, &ulen) == -1
	    || tmpl_exec_arg_str(x, a, 4, &site, &slen) == -1)
		return -1;
	/* text/template sets a uint32 from a constant: a negative one is
	 * refused, a larger one keeps its low 32 bits. */
	if (c < 0)
		return tmpl_exec_errorf(x,
		    "expected unsigned integer; found %lld", (long long)c);
	counter = (uint32_t)c;
	buf_init(&b, SIZE_MAX);
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strlen(types[i].type) == tlen
		    && memcmp(types[i].type, type, tlen) == 0)
			break;
	if (i == sizeof(types) / sizeof(types[0])) {
		buf_addf(&b, "cannot find password template %.*s", (int)tlen,
		    type);
		*r = tmpl_value_from_buf(x->a, &b);
		return 0;
	}
	if (ulen > DERIVE_SALT_MAX || slen > DERIVE_SALT_MAX)
		return tmpl_exec_errorf(x, "user or site longer than %d bytes",
		    DERIVE_SALT_MAX);
	x->steps += DERIVE_STEPS;
	if (tmpl_exec_step(x) == -1)
		return -1;
	/* salt = seed || len(user) (32-bit big-endian) || user */
	msg = xmalloc(sizeof(seed) - 1 + 4 + (ulen > slen ? ulen : slen) + 4);
	memcpy(msg, seed, sizeof(seed) - 1);
	k = sizeof(seed) - 1;
	msg[k++] = (unsigned char)(ulen >> 24);
	msg[k++] = (unsigned char)(ulen >> 16);
	msg[k++] = (unsigned char)(ulen >> 8);
	msg[k++] = (unsigned char)ulen;
	memcpy(msg + k, user, ulen);
	scrypt_key((const unsigned char *)pw, pwlen, msg, k + ulen, key);
	/* seed || len(site) || site || counter, under the derived key. */
	k = sizeof(seed) - 1;
	msg[k++] = (unsigned char)(slen >> 24);
	msg[k++] = (unsigned char)(slen >> 16);
	msg[k++] = (unsigned char)(slen >> 8);
	msg[k++] = (unsigned char)slen;
	memcpy(msg + k, site, slen);
	k += slen;
	msg[k++] = (unsigned char)(counter >> 24);
	msg[k++] = (unsigned char)(counter >> 16);
	msg[k++] = (unsigned char)(counter >> 8);
	msg[k++] = (unsigned char)counter;
	hmac_sha256(key, sizeof(key), msg, k, mac);
	free(msg);
	for (ntpl = 0; ntpl < 21 && types[i].tpl[ntpl] != NULL; ntpl++)
		;
	tpl = types[i].tpl[mac[0] % ntpl];
	for (k = 0; tpl[k] != '\0'; k++) {
		const char *cls = classes[(unsigned char)tpl[k]];

		buf_addc(&b, cls[mac[k + 1] % strlen(cls)]);
	}
	*r = tmpl_value_from_buf(x->a, &b);
	return 0;
}

/*
 * AES-256 decryption (FIPS 197) for Sprig's decryptAES.  The S-boxes
 * are computed for each call (256 inverses in GF(2^8), far cheaper than
 * the decryption) rather than kept as tables or as global state.
 */
#define AES_ROUNDS 14

static uint8_t
gf_mul(uint8_t a, uint8_t b)
{
	uint8_t p = 0;

	while (b != 0) {
		if (b & 1)
			p ^= a;
		a = (uint8_t)((a << 1) ^ ((a & 0x80) ? 0x1b : 0));
		b >>= 1;
	}
	return p;
}

static void
aes_sboxes(uint8_t sbox[256], uint8_t inv[256])
{
	uint8_t x, y, r;
	int i, k;

	for (i = 0; i < 256; i++) {
		/* The multiplicative inverse (x^254), then the affine map. */
		x = (uint8_t)i;
		y = 1;
		for (k = 0; k < 254; k++)
			y = gf_mul(y, x);
		if (i == 0)
			y = 0;
		r = y;
		for (k = 1; k < 5; k++)
			r ^= (uint8_t)((y << k) | (y >> (8 - k)));
		r ^= 0x63;
		sbox[i] = r;
		inv[r] = (uint8_t)i;
	}
}

/* The AES-256 key schedule: 15 round keys of 16 bytes. */
static void
aes_expand(const uint8_t key[32], const uint8_t sbox[256],
    uint8_t rk[(AES_ROUNDS + 1) * 16])
{
	uint8_t t[4], rcon = 1, tmp;
	int i;

	memcpy(rk, key, 32);
	for (i = 8; i < 4 * (AES_ROUNDS + 1); i++) {
		memcpy(t, rk + 4 * (i - 1), 4);
		if (i % 8 == 0) {
			tmp = t[0];
			t[0] = (uint8_t)(sbox[t[1]] ^ rcon);
			t[1] = sbox[t[2]];
			t[2] = sbox[t[3]];
			t[3] = sbox[tmp];
			rcon = gf_mul(rcon, 2);
		} else if (i % 8 == 4) {
			t[0] = sbox[t[0]];
			t[1] = sbox[t[1]];
			t[2] = sbox[t[2]];
			t[3] = sbox[t[3]];
		}
		rk[4 * i] = rk[4 * (i - 8)] ^ t[0];
		rk[4 * i + 1] = rk[4 * (i - 8) + 1] ^ t[1];
		rk[4 * i + 2] = rk[4 * (i - 8) + 2] ^ t[2];
		rk[4 * i + 3] = rk[4 * (i - 8) + 3] ^ t[3];
	}
}

/* The inverse cipher of one block (column-major state, as FIPS 197). */
static void
aes_decrypt_block(const uint8_t *rk, const uint8_t inv[256], uint8_t b[16])
{
	uint8_t t[16];
	int r, i, c;

	for (i = 0; i < 16; i++)
		b[i] ^= rk[AES_ROUNDS * 16 + i];
	for (r = AES_ROUNDS - 1; r >= 0; r--) {
		/* InvShiftRows and InvSubBytes. */
		for (c = 0; c < 4; c++)
			for (i = 0; i < 4; i++)
				t[4 * ((c + i) % 4) + i] = inv[b[4 * c + i]];
		for (i = 0; i < 16; i++)
			b[i] = t[i] ^ rk[r * 16 + i];
		if (r == 0)
			break;
		/* InvMixColumns. */
		for (c = 0; c < 4; c++) {
			uint8_t *col = b + 4 * c, a0 = col[0], a1 = col[1],
				a2 = col[2], a3 = col[3];

			col[0] = gf_mul(a0, 14) ^ gf_mul(a1, 11)
			    ^ gf_mul(a2, 13) ^ gf_mul(a3, 9);
			col[1] = gf_mul(a0, 9) ^ gf_mul(a1, 14) ^ gf_mul(a2, 11)
			    ^ gf_mul(a3, 13);
			col[2] = gf_mul(a0, 13) ^ gf_mul(a1, 9) ^ gf_mul(a2, 14)
			    ^ gf_mul(a3, 11);
			col[3] = gf_mul(a0, 11) ^ gf_mul(a1, 13) ^ gf_mul(a2, 9)
			    ^ gf_mul(a3, 14);
		}
	}
}

/*
 * decryptAES PASSWORD CRYPT64: AES-256-CBC with the password as the key
 * (cut or zero-padded to 32 bytes), the IV first; the last byte says how
 * many to drop.  Sprig checks nothing, so Go's runtime errors on short
 * or inconsistent input are its errors, and the engine gives the same.
 */
static int
sprig_decrypt_aes(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	uint8_t key[32], sbox[256], inv[256], rk[(AES_ROUNDS + 1) * 16],
	    prev[16], cur[16];
	const char *pw, *s;
	size_t pwlen, len, clen, i, k;
	unsigned char *crypt, *out;
	unsigned pad;

	(void)n;
	if (tmpl_exec_arg_str(x, a, 0, &pw, &pwlen) == -1
	    || tmpl_exec_arg_str(x, a, 1, &s, &len) == -1)
		return -1;
	if (len == 0) {
		*r = tmpl_value_str("", 0);
		return 0;
	}
	crypt = tmpl_arena_alloc(x->a, len + 1);
	if (tmpl_codec_base64_decode(s, len, false, (char *)crypt, &clen) == -1)
		return tmpl_exec_errorf(x,
		    "illegal base64 data at input byte %zu",
		    tmpl_codec_base64_bad_byte(s, len));
	if (clen < 16)
		return tmpl_exec_errorf(x,
		    "runtime error: slice bounds out of range [:16] with "
		    "capacity %zu",
		    clen);
	if ((clen - 16) % 16 != 0)
		return tmpl_exec_errorf(x,
		    "crypto/cipher: input not full blocks");
	if (clen == 16)
		return tmpl_exec_errorf(x,
		    "runtime error: index out of range [-1]");
	memset(key, 0, sizeof(key));
	memcpy(key, pw, pwlen < 32 ? pwlen : 32);
	aes_sboxes(sbox, inv);
	aes_expand(key, sbox, rk);
	out = crypt + 16;
	memcpy(prev, crypt, 16);
	for (i = 16; i < clen; i += 16) {
		memcpy(cur, crypt + i, 16);
		aes_decrypt_block(rk, inv, crypt + i);
		for (k = 0; k < 16; k++)
			crypt[i + k] ^= prev[k];
		memcpy(prev, cur, 16);
	}
	clen -= 16;
	pad = out[clen - 1];
	if (pad > clen)
		return tmpl_exec_errorf(x,
		    "runtime error: slice bounds out of range [:%lld]",
		    (long long)clen - (long long)pad);
	*r = tmpl_value_str((const char *)out, clen - pad);
	return 0;
}

/* This family's functions, for the registry (tmpl_func.c). */
const struct tmpl_func tmpl_codec_funcs[] = {
	{ "base64Encode", fn_base64_encode, 1, 1, 0, 0 },
	{ "base64Decode", fn_base64_decode, 1, 1, 0, 0 },
	{ "base64URLEncode", fn_base64url_encode, 1, 1, 0, 0 },
	{ "base64URLDecode", fn_base64url_decode, 1, 1, 0, 0 },
	{ "sha256Hex", fn_sha256_hex, 1, 1, 0, 0 },
	{ "md5sum", fn_md5sum, 1, 1, 0, 0 },
	{ "hmacSHA256Hex", fn_hmac_sha256_hex, 2, 2, 0, 0 },
	{ "sprig_sha256sum", fn_sha256_hex, 1, 1, 0, 0 },
	{ "sprig_sha1sum", sprig_sha1sum, 1, 1, 0, 0 },
	{ "sprig_sha512sum", sprig_sha512sum, 1, 1, 0, 0 },
	{ "sprig_adler32sum", sprig_adler32sum, 1, 1, 0, 0 },
	{ "sprig_derivePassword", sprig_derive_password, 5, 5, 0, 0 },
	{ "sprig_decryptAES", sprig_decrypt_aes, 2, 2, 0, 0 },
	{ "sprig_b32enc", sprig_b32enc, 1, 1, 0, 0 },
	{ "sprig_b32dec", sprig_b32dec, 1, 1, 0, 0 },
	{ NULL, NULL, 0, 0, 0, 0 },
};
