import ssl

import aiohttp
from aiohttp import ClientSession, TCPConnector


async def fetch(url):
    # ruleid: python-aiohttp-ssl-verification-disabled
    connector = aiohttp.TCPConnector(ssl=False, limit=10)
    async with aiohttp.ClientSession(connector=connector) as session:
        async with session.get(url) as response:
            return await response.text()


async def fetch_imported(url):
    # ruleid: python-aiohttp-ssl-verification-disabled
    async with ClientSession(connector=TCPConnector(ssl=False)) as session:
        return await (await session.get(url)).text()


async def post(session, url, payload):
    # ruleid: python-aiohttp-ssl-verification-disabled
    async with session.post(url, json=payload, ssl=False) as response:
        return await response.json()


async def generic(url):
    async with ClientSession() as session:
        # ruleid: python-aiohttp-ssl-verification-disabled
        return await session.request("GET", url, ssl=False)


async def websocket(session, url):
    # ruleid: python-aiohttp-ssl-verification-disabled
    return await session.ws_connect(url, ssl=False)


async def one_off(url):
    # ruleid: python-aiohttp-ssl-verification-disabled
    async with aiohttp.request("GET", url, ssl=False) as response:
        return await response.read()


class Api:
    async def get(self, path):
        # ruleid: python-aiohttp-ssl-verification-disabled
        return await self._session.get(self.base + path, ssl=False)


async def fetch_safe(url):
    # ok: python-aiohttp-ssl-verification-disabled
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as response:
            return await response.text()


async def fetch_private_ca(url, cafile):
    ctx = ssl.create_default_context(cafile=cafile)
    # ok: python-aiohttp-ssl-verification-disabled
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ctx)) as session:
        # ok: python-aiohttp-ssl-verification-disabled
        return await session.get(url, ssl=ctx)


async def fetch_default_checks(url):
    # ok: python-aiohttp-ssl-verification-disabled
    connector = aiohttp.TCPConnector(ssl=True)
    async with aiohttp.ClientSession(connector=connector) as session:
        return await session.get(url)


def redis_plain(redis, host):
    # ok: python-aiohttp-ssl-verification-disabled
    return redis.Redis(host=host, ssl=False)


def unpacked():
    # ruleid: python-aiohttp-ssl-verification-disabled
    return aiohttp.TCPConnector(**{"ssl": False})
