# nginx: the HTTP server by its own auto/configure with --with-cc=kiln-cc,
# static files only: no PCRE, zlib or OpenSSL (the image would need their
# static libraries), no rewrite, gzip or TLS modules. Paths point at the
# boot archive (/etc/nginx, /www) and a writable /data disk for logs and
# temporary files; run it with `daemon off; master_process off;` since an
# image has no fork.
SOURCE=nginx
PROGRAM=objs/nginx

port_build() {
    [ -f objs/Makefile ] || ./configure --with-cc="$CC" --with-cc-opt=-Os \
        --prefix=/ --conf-path=/etc/nginx/nginx.conf \
        --error-log-path=stderr --http-log-path=/data/access.log \
        --pid-path=/data/nginx.pid --lock-path=/data/nginx.lock \
        --http-client-body-temp-path=/data/body \
        --without-pcre --without-http_rewrite_module \
        --without-http_gzip_module --without-http_proxy_module \
        --without-http_fastcgi_module --without-http_uwsgi_module \
        --without-http_scgi_module --without-http_grpc_module \
        --without-http_upstream_hash_module --without-mail_pop3_module
    make -j2 -f objs/Makefile binary
}
