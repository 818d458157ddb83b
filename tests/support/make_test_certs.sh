#!/bin/sh
# make_test_certs.sh DIR: a throwaway PKI for the TLS tests, made with openssl at test time
# (nothing secret is checked in). ECDSA P-256 keys, PEM files:
#   ca.pem/.key          the CA skiff is told to trust
#   other-ca.pem/.key    a CA skiff does not trust
#   server.pem/.key      signed by ca; SAN localhost and 127.0.0.1
#   other-server.pem/.key  signed by other-ca; same names (the "wrong CA" case)
#   wrong-name.pem/.key  signed by ca; SAN elsewhere.example only
#   expired.pem/.key     signed by ca; valid in January 2020 only
#   client.pem/.key      client certificate signed by ca (mutual TLS)
#   client2.pem/.key     a second client certificate signed by ca (rotation)
#   other-client.pem/.key  client certificate signed by other-ca
set -eu
dir=$1
mkdir -p "$dir"
cd "$dir"

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

for ca in ca other-ca; do
  key "$ca.key"
  openssl req -x509 -new -key "$ca.key" -out "$ca.pem" -days 3650 -subj "/CN=skiff test $ca" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
done

# leaf NAME CA SAN EXTENDED_KEY_USAGE
leaf() {
  key "$1.key"
  openssl req -new -key "$1.key" -subj "/CN=$1" -out "$1.csr" 2>/dev/null
  printf 'subjectAltName=%s\nextendedKeyUsage=%s\nbasicConstraints=CA:FALSE\n' "$3" "$4" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -days 825 \
    -out "$1.pem" -extfile "$1.ext" 2>/dev/null
}

leaf server ca "DNS:localhost,IP:127.0.0.1" serverAuth
leaf other-server other-ca "DNS:localhost,IP:127.0.0.1" serverAuth
leaf wrong-name ca "DNS:elsewhere.example" serverAuth
leaf client ca "DNS:skiff-client" clientAuth
leaf client2 ca "DNS:skiff-client-2" clientAuth
leaf other-client other-ca "DNS:skiff-other-client" clientAuth

# An expired certificate needs explicit dates, which only `openssl ca` takes.
key expired.key
openssl req -new -key expired.key -subj "/CN=expired" -out expired.csr 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > expired.ext
: > index.txt
echo 1000 > serial
cat > ca.cnf <<CNF
[ca]
default_ca = test
[test]
database = index.txt
new_certs_dir = .
certificate = ca.pem
private_key = ca.key
serial = serial
default_md = sha256
policy = any
unique_subject = no
[any]
commonName = supplied
CNF
openssl ca -batch -config ca.cnf -in expired.csr -out expired.pem -notext \
  -startdate 20200101000000Z -enddate 20200201000000Z -extfile expired.ext 2>/dev/null
rm -f ./*.csr ./*.ext ./*.srl index.txt* serial* ca.cnf 1000.pem
