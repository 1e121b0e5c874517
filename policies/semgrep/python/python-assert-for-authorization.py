from django.core.exceptions import PermissionDenied


def delete_project(request, project):
    # ruleid: python-assert-for-authorization
    assert request.user.is_authenticated
    # ruleid: python-assert-for-authorization
    assert request.user.has_perm("projects.delete_project", project), "not allowed"
    project.delete()


def promote(actor, target):
    # ruleid: python-assert-for-authorization
    assert actor.role == "admin"
    target.is_staff = True
    target.save()


def edit_document(user, doc, text):
    # ruleid: python-assert-for-authorization
    assert doc.owner_id == user.id, "only the owner may edit"
    doc.text = text


def delete_project_safe(request, project):
    # ok: python-assert-for-authorization
    if not request.user.has_perm("projects.delete_project", project):
        raise PermissionDenied
    project.delete()


def chunk(items, size):
    # ok: python-assert-for-authorization
    assert size > 0, "size must be positive"
    return [items[i : i + size] for i in range(0, len(items), size)]


def normalise(payload):
    # ok: python-assert-for-authorization
    assert isinstance(payload, dict)
    return {k.lower(): v for k, v in payload.items()}


async def asgi_app(scope, receive, send):
    # ok: python-assert-for-authorization
    assert scope["type"] == "http"
    await send({"type": "http.response.start", "status": 204})
