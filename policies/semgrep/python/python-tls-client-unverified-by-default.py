import ftplib
import imaplib
import poplib
import smtplib
import ssl

import aiosmtplib
import ldap3
from ldap3 import Server, Tls


def send(host, user, password, msg):
    with smtplib.SMTP(host, 587) as smtp:
        # ruleid: python-tls-client-unverified-by-default
        smtp.starttls()
        smtp.login(user, password)
        smtp.send_message(msg)


def send_ssl(host, user, password, msg):
    # ruleid: python-tls-client-unverified-by-default
    with smtplib.SMTP_SSL(host, 465) as smtp:
        smtp.login(user, password)
        smtp.send_message(msg)


def read_mail(host, user, password):
    # ruleid: python-tls-client-unverified-by-default
    imap = imaplib.IMAP4_SSL(host)
    imap.login(user, password)
    return imap


def read_mail_starttls(host):
    imap = imaplib.IMAP4(host)
    # ruleid: python-tls-client-unverified-by-default
    imap.starttls()
    return imap


def pop(host):
    # ruleid: python-tls-client-unverified-by-default
    return poplib.POP3_SSL(host)


def pop_stls(host):
    conn = poplib.POP3(host)
    # ruleid: python-tls-client-unverified-by-default
    conn.stls()
    return conn


def ftp(host):
    # ruleid: python-tls-client-unverified-by-default
    return ftplib.FTP_TLS(host)


def directory(host):
    # ruleid: python-tls-client-unverified-by-default
    return Server(host, port=636, use_ssl=True)


def directory_tls(host):
    # ruleid: python-tls-client-unverified-by-default
    tls = Tls(version=ssl.PROTOCOL_TLSv1_2)
    return ldap3.Server(host, use_ssl=True, tls=tls)


def send_safe(host, user, password, msg):
    with smtplib.SMTP(host, 587) as smtp:
        # ok: python-tls-client-unverified-by-default
        smtp.starttls(context=ssl.create_default_context())
        smtp.login(user, password)
        smtp.send_message(msg)


def send_ssl_safe(host):
    # ok: python-tls-client-unverified-by-default
    return smtplib.SMTP_SSL(host, 465, context=ssl.create_default_context())


def read_mail_safe(host):
    ctx = ssl.create_default_context()
    # ok: python-tls-client-unverified-by-default
    imap = imaplib.IMAP4_SSL(host, ssl_context=ctx)
    # ok: python-tls-client-unverified-by-default
    imap.starttls(ctx)
    return imap


def ftp_safe(host):
    # ok: python-tls-client-unverified-by-default
    return ftplib.FTP_TLS(host, context=ssl.create_default_context())


def directory_safe(host, ca):
    # ok: python-tls-client-unverified-by-default
    tls = Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=ca)
    # ok: python-tls-client-unverified-by-default
    return Server(host, use_ssl=True, tls=tls)


def plain_directory(host):
    # ok: python-tls-client-unverified-by-default
    return Server(host, port=389)


async def send_async(host, msg):
    smtp = aiosmtplib.SMTP(hostname=host, port=587)
    await smtp.connect()
    # ok: python-tls-client-unverified-by-default
    await smtp.starttls()
    return await smtp.send_message(msg)
