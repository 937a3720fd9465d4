from . import views as views, launch as launch
from .client import Client as Client, Operation as Operation
from .errors import (Error as Error, BadRequest as BadRequest, NotFound as NotFound,
                     MethodNotAllowed as MethodNotAllowed, Conflict as Conflict,
                     PreconditionFailed as PreconditionFailed, TooLarge as TooLarge,
                     ServerError as ServerError, OperationFailed as OperationFailed,
                     ConnectionFailed as ConnectionFailed)

class LaunchError(OSError): ...
