// Starts the control tower once every view has registered.
'use strict';

App.start();
