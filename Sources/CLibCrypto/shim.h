// OpenSSL's libcrypto, for SHA-256 of model files (the one-shot EVP digest, not the deprecated SHA256()).
#include <openssl/evp.h>
